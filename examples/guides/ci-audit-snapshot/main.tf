# An audit snapshot of the directory, taken by CI: every user with the
# portal's 26 columns, failing when any user could not be read.
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

data "aad_users_export" "audit" {
  output_path         = "${path.module}/snapshot/users.csv"
  results_path        = "${path.module}/snapshot/results.csv"
  fail_on_user_errors = true

  timeouts {
    read = "120m"
  }
}

output "user_count" {
  value = data.aad_users_export.audit.user_count
}

output "sha256" {
  value = data.aad_users_export.audit.sha256
}
