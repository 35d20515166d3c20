# tflint (built by tools/tofu/build.sh) with its bundled Terraform ruleset, every rule
# on. Run as `tflint --recursive --config "$PWD/.tflint.hcl"` from infra/.
plugin "terraform" {
  enabled = true
  preset  = "all"
}
