# The configuration `make demo` applies against the local Graph emulator.
terraform {
  required_providers {
    aad = {
      source = "aad-export/aad"
    }
  }
}

# Everything comes from the environment the emulator's env file sets:
# ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET, AAD_GRAPH_ENDPOINT and
# AAD_AUTHORITY_HOST (and SSL_CERT_FILE, so that its TLS certificate is trusted).
provider "aad" {
  use_cli = false
}

# A daily-audit-style snapshot: the first apply lists the directory, the next
# ones read only what changed since (the manifest beside the CSV says where
# the change log stood) and write what changed to changes.csv.
data "aad_users_export" "demo" {
  output_path  = "${path.module}/users.csv"
  results_path = "${path.module}/results.csv"
  incremental  = true
  changes_path = "${path.module}/changes.csv"

  # The change log does not follow authentication methods: read only the
  # created and changed users' again.
  auth_methods_refresh = "changed"
}

# A compliance review: the columns that say who is in the directory, who can
# sign in without strong authentication and which accounts are stale, and
# the report that shows the answers. Sign-in activity is not in the change
# log, so this one lists the directory each time.
data "aad_users_export" "review" {
  output_path = "${path.module}/review.csv"
  report_path = "${path.module}/report.html"
  columns = [
    "userPrincipalName", "objectId", "userType", "accountEnabled", "department", "onPremisesSyncEnabled",
    "ageGroup", "consentProvidedForMinor", "legalAgeGroupClassification", "authenticationPhoneNumber",
    "authenticationEmail", "signInActivity/lastSignInDateTime", "createdDateTime",
  ]
}

output "output_path" {
  value = abspath(data.aad_users_export.demo.output_path)
}

output "user_count" {
  value = data.aad_users_export.demo.user_count
}

output "error_count" {
  value = data.aad_users_export.demo.error_count
}

output "sha256" {
  value = data.aad_users_export.demo.sha256
}

output "mode" {
  value = data.aad_users_export.demo.mode
}

output "changes" {
  value = "${data.aad_users_export.demo.added_count} added, ${data.aad_users_export.demo.removed_count} removed, ${data.aad_users_export.demo.changed_count} changed"
}

output "changes_path" {
  value = abspath(data.aad_users_export.demo.changes_path)
}

output "report_path" {
  value = abspath(data.aad_users_export.review.report_path)
}
