# Plans against a mocked kubectl provider: what the bootstrap would create, and the
# inputs it refuses. flux_build_dir (the real Flux build) is passed by the runner:
# tofu test -var=flux_build_dir=... (tests/infra/test_modules.py).

mock_provider "kubectl" {}

variables {
  git_url = "https://git.example.org/platform/gitops-platform.git"
}

run "all_three_environments_by_default" {
  command = plan

  assert {
    condition     = length(kubectl_manifest.crd) == length(fileset("${var.flux_build_dir}/crds", "*.yaml"))
    error_message = "every CRD of the Flux build must be applied"
  }
  assert {
    condition     = toset(keys(kubectl_manifest.namespace)) == toset(["flux-system", "gitops-platform-dev", "gitops-platform-staging", "gitops-platform-prod"])
    error_message = "flux-system and one namespace per environment"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.namespace["gitops-platform-prod"].yaml_body).metadata.labels["pod-security.kubernetes.io/enforce"] == "restricted"
    error_message = "namespaces enforce the restricted Pod Security Standard"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.gitops["GitRepository/gitops-platform"].yaml_body).spec.url == var.git_url
    error_message = "the GitRepository pulls git_url"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.gitops["GitRepository/gitops-platform"].yaml_body).spec.interval == "1m"
    error_message = "without source_interval the GitRepository keeps its own interval"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.gitops["Kustomization/gitops-platform-prod"].yaml_body).spec.dependsOn == [{ name = "gitops-platform-staging" }]
    error_message = "prod still waits for staging"
  }
  assert {
    condition     = !can(yamldecode(kubectl_manifest.gitops["Kustomization/gitops-platform-dev"].yaml_body).spec.targetNamespace)
    error_message = "an environment in its overlay's own namespace is not retargeted"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.gitops["Kustomization/gitops-platform-dev"].yaml_body).metadata.namespace == "flux-system"
    error_message = "the Flux objects go to flux-system (k8s/gitops/flux/kustomization.yaml)"
  }
  assert {
    condition     = length(yamldecode(kubectl_manifest.gitops["RoleBinding/gitops-platform-frontend-read"].yaml_body).subjects) == 3
    error_message = "each environment's board may read the Kustomizations"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.identity["ClusterRoleBinding/flux-kustomize-controller-reconciler"].yaml_body).roleRef.name == "cluster-admin"
    error_message = "kustomize-controller keeps Flux's cluster-reconciler binding"
  }
  assert {
    condition     = !contains(keys(kubectl_manifest.identity), "ClusterRoleBinding/flux-source-controller-reconciler")
    error_message = "source-controller gets only its own ClusterRole"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.identity["ClusterRole/flux-source-controller"].yaml_body).metadata == { name = "flux-source-controller" }
    error_message = "Flux's manager-role is renamed per controller"
  }
}

run "one_environment_retargeted_with_local_settings" {
  command = plan

  variables {
    source_interval = "10s"
    environments = {
      dev = {
        namespace      = "team-a-dev"
        interval       = "1m"
        retry_interval = "5s"
        patches        = [{ target = { kind = "Deployment", name = "backend" }, patch = "[]" }]
      }
    }
  }

  assert {
    condition     = keys(kubectl_manifest.gitops) == ["GitRepository/gitops-platform", "Kustomization/gitops-platform-dev", "Role/gitops-platform-frontend-read", "RoleBinding/gitops-platform-frontend-read"]
    error_message = "only dev's Kustomization, with the source and the board's read access"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.gitops["Kustomization/gitops-platform-dev"].yaml_body).spec.targetNamespace == "team-a-dev"
    error_message = "another namespace becomes the Kustomization's targetNamespace"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.gitops["Kustomization/gitops-platform-dev"].yaml_body).spec.retryInterval == "5s"
    error_message = "retry_interval is applied"
  }
  assert {
    condition     = length(yamldecode(kubectl_manifest.gitops["Kustomization/gitops-platform-dev"].yaml_body).spec.patches) == 1
    error_message = "the extra patches are added"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.gitops["Kustomization/gitops-platform-dev"].yaml_body).spec.path == "./k8s/overlays/dev"
    error_message = "the user's path is unchanged"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.gitops["GitRepository/gitops-platform"].yaml_body).spec.interval == "10s"
    error_message = "source_interval is applied"
  }
  assert {
    condition     = yamldecode(kubectl_manifest.gitops["RoleBinding/gitops-platform-frontend-read"].yaml_body).subjects == [{ kind = "ServiceAccount", name = "frontend", namespace = "team-a-dev" }]
    error_message = "the board's binding follows the environment's namespace"
  }
  assert {
    condition     = contains(keys(kubectl_manifest.namespace), "team-a-dev") && !contains(keys(kubectl_manifest.namespace), "gitops-platform-dev")
    error_message = "the namespace created is the one asked for"
  }
}

run "staging_alone_drops_its_dependency_on_dev" {
  command = plan
  variables {
    environments = { staging = {} }
  }
  assert {
    condition     = !can(yamldecode(kubectl_manifest.gitops["Kustomization/gitops-platform-staging"].yaml_body).spec.dependsOn)
    error_message = "a dependsOn on an environment not delivered is dropped"
  }
}

run "a_git_url_without_a_scheme_is_refused" {
  command = plan
  variables {
    git_url = "github.com/example-org/gitops-platform"
  }
  expect_failures = [var.git_url]
}

run "an_unknown_environment_is_refused" {
  command = plan
  variables {
    environments = { qa = {} }
  }
  expect_failures = [var.environments]
}

run "a_namespace_that_is_not_a_dns_label_is_refused" {
  command = plan
  variables {
    environments = { dev = { namespace = "Team_A" } }
  }
  expect_failures = [var.environments]
}

run "a_duration_in_words_is_refused" {
  command = plan
  variables {
    environments = { dev = { interval = "5 minutes" } }
  }
  expect_failures = [var.environments]
}

run "an_unknown_pod_security_level_is_refused" {
  command = plan
  variables {
    pod_security_level = "strict"
  }
  expect_failures = [var.pod_security_level]
}

run "a_branch_that_looks_like_a_flag_is_refused" {
  command = plan
  variables {
    git_branch = "--upload-pack=evil"
  }
  expect_failures = [var.git_branch]
}
