variable "name" {
  description = "Prefix of the web resources."
  type        = string
}

variable "bucket_name" {
  description = "Name of the bucket holding the built web UI (globally unique)."
  type        = string
}

variable "region" {
  description = "Region of the API and the user pool (for the content security policy)."
  type        = string
}

variable "dist_dir" {
  description = "Directory of the built web UI to upload (index.html at its top); null uploads nothing, e.g. when a pipeline syncs the bucket."
  type        = string
  default     = null
}

variable "app_config" {
  description = "Settings the UI reads from /config.json (API URL, user pool and client ids, region)."
  type        = map(string)
}

variable "aliases" {
  description = "Custom domain names of the UI; empty serves it on the cloudfront.net name."
  type        = list(string)
  default     = []
}

variable "certificate_arn" {
  description = "ACM certificate (in us-east-1) for the aliases; required when aliases are set."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate in us-east-1 (CloudFront only uses those)."
  }
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100 (Europe and North America) is enough for Hungarian users."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}
