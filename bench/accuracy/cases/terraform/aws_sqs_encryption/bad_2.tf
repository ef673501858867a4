variable "sse" {
  default = false
}

resource "aws_sqs_queue" "jobs" {
  name                    = "jobs.fifo"
  fifo_queue              = true
  sqs_managed_sse_enabled = var.sse
}
