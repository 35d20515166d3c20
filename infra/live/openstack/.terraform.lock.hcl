# This file is maintained automatically by "tofu init".
# Manual edits may be lost in future updates.

provider "registry.opentofu.org/gavinbunney/kubectl" {
  version     = "1.19.0"
  constraints = "1.19.0"
  hashes = [
    "h1:0ccfZn1Dcn0BSbWzvuGykQnEC9X4/5fLhADo6v2CQ/4=",
  ]
}

provider "registry.opentofu.org/terraform-provider-openstack/openstack" {
  version     = "3.4.0"
  constraints = "3.4.0"
  hashes = [
    "h1:xzp4+vZnYNF5v/emmtDu9saj8K7l0lJLrpYU4t2JVso=",
  ]
}
