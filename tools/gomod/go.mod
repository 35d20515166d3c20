// The Go modules this project builds its tools from, listed so Dependabot can
// propose updates. Nothing is built from this file: the build scripts read the
// pins in tools/*/versions.env, and tests/pipeline/test_dependabot.py fails when
// a version here and its versions.env pin disagree.
module gitops-platform.local/tools

go 1.26

require (
	github.com/argoproj/argo-cd/v3 v3.2.11
	github.com/containerd/containerd/v2 v2.2.9
	github.com/fluxcd/kustomize-controller v1.9.6
	github.com/fluxcd/source-controller v1.9.6
	github.com/gavinbunney/terraform-provider-kubectl v1.19.0
	github.com/google/go-containerregistry v0.22.1
	github.com/opentofu/opentofu v1.12.6
	github.com/rhysd/actionlint v1.7.12
	github.com/stefanprodan/podinfo v1.8.1-0.20250910200901-e86405a8674e
	github.com/terraform-linters/tflint v0.64.0
	github.com/terraform-provider-openstack/terraform-provider-openstack/v3 v3.4.0
	go.etcd.io/etcd/server/v3 v3.6.14
	k8s.io/kubernetes v1.36.3
	sigs.k8s.io/kwok v0.8.0
)
