module gitops-platform.local/sandbox

go 1.26
