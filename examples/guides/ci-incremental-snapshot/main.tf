# A daily audit snapshot built from yesterday's: only the users created,
# changed or deleted since are read from Graph, and changes.csv says what
# changed, cell by cell. The CSV and its manifest must be kept between runs
# (the workflow commits them); the other files are written anew each time.
terraform {
  required_providers {
    aad = {
      source = "aad-export/aad"
    }
  }
}

# Everything comes from the environment the workflow sets: ARM_TENANT_ID,
# ARM_CLIENT_ID and ARM_USE_OIDC, with the runner's OIDC request URL and token.
provider "aad" {
  use_cli = false
}

variable "full" {
  description = "List every user again, and read every user's authentication methods (a weekly run, for example)."
  type        = bool
  default     = false
}

data "aad_users_export" "audit" {
  output_path = "${path.module}/snapshot/users.csv"
  # Set explicitly so that a full run writes the manifest too: the default
  # applies only when incremental is true.
  manifest_path       = "${path.module}/snapshot/users.csv.manifest.json"
  incremental         = !var.full
  changes_path        = "${path.module}/out/changes.csv"
  results_path        = "${path.module}/out/results.csv"
  fail_on_user_errors = true

  # The change log does not cover authentication methods: read again only
  # the created and changed users' (the others' may be stale until the next
  # full run). With the default, "all", every run would be a full one.
  auth_methods_refresh = "changed"

  timeouts {
    read = "120m"
  }
}

locals {
  audit = data.aad_users_export.audit
}

output "summary" {
  value = "${local.audit.user_count} users (${local.audit.mode}): ${local.audit.added_count} added, ${local.audit.removed_count} removed, ${local.audit.changed_count} changed; sha256 ${local.audit.sha256}"
}
