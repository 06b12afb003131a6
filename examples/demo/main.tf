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

data "aad_users_export" "demo" {
  output_path  = "${path.module}/users.csv"
  results_path = "${path.module}/results.csv"
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
