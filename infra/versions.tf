terraform {
  # Preconditions and check blocks need 1.5; nothing here needs a newer core.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # A provider that accepts max_message_size up to 1 MiB: SQS raised its limit in
      # August 2025 and 5.x providers still reject anything above 256 KiB.
      version = ">= 6.14, < 7.0"
    }
  }
}
