# This file is maintained automatically by "tofu init".
# Manual edits may be lost in future updates.

provider "registry.opentofu.org/terraform-provider-openstack/openstack" {
  version     = "3.4.0"
  constraints = "3.4.0"
  hashes = [
    "h1:xzp4+vZnYNF5v/emmtDu9saj8K7l0lJLrpYU4t2JVso=",
  ]
}
