# Every user, with the 26 columns of the portal's "Download users".
data "aad_users_export" "all" {
  output_path  = "${path.module}/users.csv"
  results_path = "${path.module}/users-results.csv"
}

# Enabled members of one department, with extra Graph columns.
data "aad_users_export" "finance" {
  output_path = "${path.module}/finance.csv"
  filter      = "department eq 'Finance' and accountEnabled eq true and userType eq 'Member'"
  columns = [
    "userPrincipalName", "displayName", "mail", "jobTitle",
    "employeeId", "companyName", "createdDateTime", "onPremisesSyncEnabled",
  ]
}

# Selected users. A name that does not exist is reported as a warning and
# written to the results file; the rest are exported.
data "aad_users_export" "selected" {
  output_path          = "${path.module}/selected.csv"
  results_path         = "${path.module}/selected-results.csv"
  user_principal_names = ["adele.vance@contoso.com", "alex.wilber@contoso.com"]
  object_ids           = ["5a0f3b9c-7d41-4e8a-b2c6-19f0d3e4a5b6"]
}

# An audit snapshot for CI: fail on any user that could not be read, give the
# export time, and publish the checksum.
data "aad_users_export" "audit" {
  output_path         = "${path.module}/audit-users.csv"
  results_path        = "${path.module}/audit-results.csv"
  fail_on_user_errors = true

  timeouts {
    read = "120m"
  }
}

# A daily snapshot that reads only what changed since yesterday's, with what
# changed and a compliance report beside it. Keep users.csv and its manifest
# between runs (an audit repository, a CI cache).
data "aad_users_export" "daily" {
  output_path  = "${path.module}/daily/users.csv"
  incremental  = true
  changes_path = "${path.module}/daily/changes.csv"
  report_path  = "${path.module}/daily/report.html"
  columns = [
    "userPrincipalName", "objectId", "displayName", "userType", "accountEnabled", "department",
    "onPremisesSyncEnabled", "ageGroup", "consentProvidedForMinor",
  ]
}

output "audit_users" {
  value = data.aad_users_export.audit.user_count
}

output "audit_sha256" {
  value = data.aad_users_export.audit.sha256
}
