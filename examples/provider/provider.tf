terraform {
  required_providers {
    aad = {
      source = "aad-export/aad"
    }
  }
}

# A service principal with a client secret. Prefer the ARM_* environment
# variables (ARM_TENANT_ID, ARM_CLIENT_ID, ARM_CLIENT_SECRET) to keep the
# secret out of the configuration.
provider "aad" {
  tenant_id     = "00000000-0000-0000-0000-000000000000"
  client_id     = "00000000-0000-0000-0000-000000000000"
  client_secret = var.client_secret
}

variable "client_secret" {
  type      = string
  sensitive = true
}

# A client certificate (PKCS#12 or PEM, with its private key):
#
#   provider "aad" {
#     tenant_id                   = "00000000-0000-0000-0000-000000000000"
#     client_id                   = "00000000-0000-0000-0000-000000000000"
#     client_certificate_path     = "/secrets/exporter.pfx"
#     client_certificate_password = var.certificate_password
#   }
#
# Workload identity federation in GitHub Actions (needs `permissions:
# id-token: write`; the request URL and token come from the runner):
#
#   provider "aad" {
#     tenant_id = "00000000-0000-0000-0000-000000000000"
#     client_id = "00000000-0000-0000-0000-000000000000"
#     use_oidc  = true
#   }
#
# The managed identity of an Azure VM or runner, or the Azure CLI's account:
#
#   provider "aad" {
#     use_msi = true
#   }
