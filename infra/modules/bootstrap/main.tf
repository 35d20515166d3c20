# Everything a fresh cluster needs before GitOps takes over: namespaces with their
# Pod Security labels, the Flux CRDs and the controllers' identities from the pinned
# Flux modules (read from the build, never copied into this repository), and the
# Flux objects users apply (k8s/gitops/flux), with only the documented changes.

locals {
  # Flux's own namespace: its controllers run there and watch their objects there.
  flux_namespace = "flux-system"
  controllers    = ["source-controller", "kustomize-controller"]
  config_dir     = coalesce(var.flux_config_dir, "${path.module}/../../../k8s/gitops/flux")
  kustomization  = yamldecode(file("${local.config_dir}/kustomization.yaml"))
  config_objects = [for f in local.kustomization.resources : yamldecode(file("${local.config_dir}/${f}"))]
  env_namespaces = { for name, env in var.environments : name => coalesce(env.namespace, "gitops-platform-${name}") }
  # The overlay's own namespace, and the environment an object belongs to by name.
  default_namespaces = { for name in keys(var.environments) : "gitops-platform-${name}" => name }

  pod_security = merge([for mode in ["enforce", "audit", "warn"] : {
    "pod-security.kubernetes.io/${mode}"         = var.pod_security_level
    "pod-security.kubernetes.io/${mode}-version" = "latest"
  }]...)
  namespaces = toset(concat([local.flux_namespace], values(local.env_namespaces)))

  crds = {
    for f in fileset("${var.flux_build_dir}/crds", "*.yaml") :
    trimsuffix(f, ".yaml") => file("${var.flux_build_dir}/crds/${f}")
  }

  # Each controller: a ServiceAccount, Flux's ClusterRole (manager-role, renamed per
  # controller) bound to it, and the binding Flux ships in cluster_role_binding.yaml
  # (kustomize-controller's cluster-admin "cluster-reconciler": it applies whatever
  # the config repository holds).
  bindings = flatten([for c in local.controllers : concat(
    [{ controller = c, name = "flux-${c}", role = "flux-${c}" }],
    [for f in fileset("${var.flux_build_dir}/rbac/${c}", "cluster_role_binding.yaml") : {
      controller = c, name = "flux-${c}-reconciler"
      role       = yamldecode(file("${var.flux_build_dir}/rbac/${c}/${f}")).roleRef.name
    }],
  )])
  identities = merge(
    { for c in local.controllers : "ServiceAccount/${c}" => yamlencode({
      apiVersion = "v1", kind = "ServiceAccount"
      metadata   = { name = c, namespace = local.flux_namespace }
    }) },
    { for c in local.controllers : "ClusterRole/flux-${c}" => yamlencode(merge(
      yamldecode(file("${var.flux_build_dir}/rbac/${c}/role.yaml")),
      { metadata = { name = "flux-${c}" } },
    )) },
    { for b in local.bindings : "ClusterRoleBinding/${b.name}" => yamlencode({
      apiVersion = "rbac.authorization.k8s.io/v1", kind = "ClusterRoleBinding"
      metadata   = { name = b.name }
      roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "ClusterRole", name = b.role }
      subjects   = [{ kind = "ServiceAccount", name = b.controller, namespace = local.flux_namespace }]
    }) },
  )

  gitops = merge(
    {
      for o in local.config_objects : "GitRepository/${o.metadata.name}" => yamlencode(merge(o, {
        metadata = merge(o.metadata, { namespace = local.kustomization.namespace })
        spec = merge(o.spec, { url = var.git_url, ref = { branch = var.git_branch } },
        { for k, v in { interval = var.source_interval } : k => v if v != null })
      })) if o.kind == "GitRepository"
    },
    {
      for o in local.config_objects : "Kustomization/${o.metadata.name}" => yamlencode(merge(o, {
        metadata = merge(o.metadata, { namespace = local.kustomization.namespace })
        spec = merge(
          { for k, v in o.spec : k => v if !contains(["dependsOn", "patches"], k) },
          { for k, v in {
            interval        = var.environments[local.default_namespaces[o.metadata.name]].interval
            retryInterval   = var.environments[local.default_namespaces[o.metadata.name]].retry_interval
            timeout         = var.environments[local.default_namespaces[o.metadata.name]].timeout
            targetNamespace = local.env_namespaces[local.default_namespaces[o.metadata.name]] == o.metadata.name ? null : local.env_namespaces[local.default_namespaces[o.metadata.name]]
          } : k => v if v != null },
          { for k, v in {
            dependsOn = [for d in try(o.spec.dependsOn, []) : d if contains(keys(local.default_namespaces), d.name)]
            patches   = concat(try(o.spec.patches, []), var.environments[local.default_namespaces[o.metadata.name]].patches)
          } : k => v if length(v) > 0 },
        )
      })) if o.kind == "Kustomization" && contains(keys(local.default_namespaces), o.metadata.name)
    },
    {
      # The board's read access: bound to the frontend of each environment delivered.
      for o in local.config_objects : "${o.kind}/${o.metadata.name}" => yamlencode(merge(o, {
        metadata = merge(o.metadata, { namespace = local.kustomization.namespace })
        subjects = [for s in o.subjects : merge(s, { namespace = local.env_namespaces[local.default_namespaces[s.namespace]] })
        if contains(keys(local.default_namespaces), s.namespace)]
      })) if o.kind == "RoleBinding"
    },
    {
      for o in local.config_objects : "${o.kind}/${o.metadata.name}" => yamlencode(merge(o, {
        metadata = merge(o.metadata, { namespace = local.kustomization.namespace })
      })) if !contains(["GitRepository", "Kustomization", "RoleBinding"], o.kind)
    },
  )
}

resource "kubectl_manifest" "namespace" {
  for_each = local.namespaces
  yaml_body = yamlencode({
    apiVersion = "v1", kind = "Namespace"
    metadata   = { name = each.value, labels = local.pod_security }
  })
  # Deleting a namespace deletes what is in it: wait until it is gone.
  wait = true
}

resource "kubectl_manifest" "crd" {
  for_each = local.crds
  # Server-side: the largest CRDs exceed the 256 KiB last-applied annotation.
  server_side_apply = true
  force_conflicts   = true
  yaml_body         = each.value
  wait              = true
}

resource "kubectl_manifest" "identity" {
  for_each   = local.identities
  yaml_body  = each.value
  depends_on = [kubectl_manifest.namespace]
}

resource "kubectl_manifest" "gitops" {
  for_each  = local.gitops
  yaml_body = each.value
  # On destroy, Flux's finalizer prunes what a Kustomization applied: wait for it,
  # while the controllers' identities and the CRDs still exist.
  wait       = true
  depends_on = [kubectl_manifest.crd, kubectl_manifest.identity, kubectl_manifest.namespace]

  lifecycle {
    precondition {
      condition     = length(setsubtract(keys(local.kustomization), ["apiVersion", "kind", "namespace", "resources"])) == 0
      error_message = "${local.config_dir}/kustomization.yaml uses fields the bootstrap does not render (it reads namespace and resources only): ${join(", ", setsubtract(keys(local.kustomization), ["apiVersion", "kind", "namespace", "resources"]))}."
    }
  }
}
