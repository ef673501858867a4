# METADATA
# title: Manifests do not use removed API versions
# description: >-
#   API versions removed from Kubernetes (extensions/v1beta1 Ingress, policy/v1beta1
#   PodSecurityPolicy, batch/v1beta1 CronJob, autoscaling/v2beta2, flowcontrol v1beta1-v1beta3...)
#   are rejected by current clusters; a manifest still using them is not what runs, and objects
#   like PodSecurityPolicy give a false impression of protection that no longer exists.
# custom:
#   id: PG-K8S-API-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: ["*"]
#   frameworks:
#     nsa-k8s: ["Upgrading and application security practices"]
#     nist-800-53: ["CM-2", "SI-2"]
#   remediation: Migrate the object to the API version named in the message (Kubernetes deprecated API migration guide).
#   fixable: false
package policyguard.rules.kubernetes.api.removed_version

import rego.v1

# obj(x)/arr(x): x when it is an object/array, otherwise empty (null or wrong-typed values
# must not make the rule error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

# apiVersion/kind -> [Kubernetes release that stopped serving it, what to use instead]
# (Kubernetes deprecated API migration guide)
removed := {
	"extensions/v1beta1/Deployment": ["1.16", "apps/v1"],
	"extensions/v1beta1/DaemonSet": ["1.16", "apps/v1"],
	"extensions/v1beta1/ReplicaSet": ["1.16", "apps/v1"],
	"extensions/v1beta1/NetworkPolicy": ["1.16", "networking.k8s.io/v1"],
	"extensions/v1beta1/PodSecurityPolicy": ["1.16", "policy/v1beta1"],
	"extensions/v1beta1/Ingress": ["1.22", "networking.k8s.io/v1"],
	"apps/v1beta1/Deployment": ["1.16", "apps/v1"],
	"apps/v1beta1/StatefulSet": ["1.16", "apps/v1"],
	"apps/v1beta1/ReplicaSet": ["1.16", "apps/v1"],
	"apps/v1beta1/ControllerRevision": ["1.16", "apps/v1"],
	"apps/v1beta2/Deployment": ["1.16", "apps/v1"],
	"apps/v1beta2/StatefulSet": ["1.16", "apps/v1"],
	"apps/v1beta2/DaemonSet": ["1.16", "apps/v1"],
	"apps/v1beta2/ReplicaSet": ["1.16", "apps/v1"],
	"apps/v1beta2/ControllerRevision": ["1.16", "apps/v1"],
	"admissionregistration.k8s.io/v1beta1/MutatingWebhookConfiguration": ["1.22", "admissionregistration.k8s.io/v1"],
	"admissionregistration.k8s.io/v1beta1/ValidatingWebhookConfiguration": ["1.22", "admissionregistration.k8s.io/v1"],
	"apiextensions.k8s.io/v1beta1/CustomResourceDefinition": ["1.22", "apiextensions.k8s.io/v1"],
	"apiregistration.k8s.io/v1beta1/APIService": ["1.22", "apiregistration.k8s.io/v1"],
	"authentication.k8s.io/v1beta1/TokenReview": ["1.22", "authentication.k8s.io/v1"],
	"authorization.k8s.io/v1beta1/SubjectAccessReview": ["1.22", "authorization.k8s.io/v1"],
	"authorization.k8s.io/v1beta1/LocalSubjectAccessReview": ["1.22", "authorization.k8s.io/v1"],
	"authorization.k8s.io/v1beta1/SelfSubjectAccessReview": ["1.22", "authorization.k8s.io/v1"],
	"certificates.k8s.io/v1beta1/CertificateSigningRequest": ["1.22", "certificates.k8s.io/v1"],
	"coordination.k8s.io/v1beta1/Lease": ["1.22", "coordination.k8s.io/v1"],
	"networking.k8s.io/v1beta1/Ingress": ["1.22", "networking.k8s.io/v1"],
	"networking.k8s.io/v1beta1/IngressClass": ["1.22", "networking.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1beta1/Role": ["1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1beta1/ClusterRole": ["1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1beta1/RoleBinding": ["1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1beta1/ClusterRoleBinding": ["1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1alpha1/Role": ["1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1alpha1/ClusterRole": ["1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1alpha1/RoleBinding": ["1.22", "rbac.authorization.k8s.io/v1"],
	"rbac.authorization.k8s.io/v1alpha1/ClusterRoleBinding": ["1.22", "rbac.authorization.k8s.io/v1"],
	"scheduling.k8s.io/v1beta1/PriorityClass": ["1.22", "scheduling.k8s.io/v1"],
	"storage.k8s.io/v1beta1/CSIDriver": ["1.22", "storage.k8s.io/v1"],
	"storage.k8s.io/v1beta1/CSINode": ["1.22", "storage.k8s.io/v1"],
	"storage.k8s.io/v1beta1/StorageClass": ["1.22", "storage.k8s.io/v1"],
	"storage.k8s.io/v1beta1/VolumeAttachment": ["1.22", "storage.k8s.io/v1"],
	"storage.k8s.io/v1beta1/CSIStorageCapacity": ["1.27", "storage.k8s.io/v1"],
	"batch/v1beta1/CronJob": ["1.25", "batch/v1"],
	"batch/v2alpha1/CronJob": ["1.21", "batch/v1"],
	"discovery.k8s.io/v1beta1/EndpointSlice": ["1.25", "discovery.k8s.io/v1"],
	"events.k8s.io/v1beta1/Event": ["1.25", "events.k8s.io/v1"],
	"autoscaling/v2beta1/HorizontalPodAutoscaler": ["1.25", "autoscaling/v2"],
	"autoscaling/v2beta2/HorizontalPodAutoscaler": ["1.26", "autoscaling/v2"],
	"policy/v1beta1/PodDisruptionBudget": ["1.25", "policy/v1"],
	"policy/v1beta1/PodSecurityPolicy": ["1.25", "Pod Security Admission (namespace labels)"],
	"node.k8s.io/v1beta1/RuntimeClass": ["1.25", "node.k8s.io/v1"],
	"flowcontrol.apiserver.k8s.io/v1beta1/FlowSchema": ["1.26", "flowcontrol.apiserver.k8s.io/v1"],
	"flowcontrol.apiserver.k8s.io/v1beta1/PriorityLevelConfiguration": ["1.26", "flowcontrol.apiserver.k8s.io/v1"],
	"flowcontrol.apiserver.k8s.io/v1beta2/FlowSchema": ["1.29", "flowcontrol.apiserver.k8s.io/v1"],
	"flowcontrol.apiserver.k8s.io/v1beta2/PriorityLevelConfiguration": ["1.29", "flowcontrol.apiserver.k8s.io/v1"],
	"flowcontrol.apiserver.k8s.io/v1beta3/FlowSchema": ["1.32", "flowcontrol.apiserver.k8s.io/v1"],
	"flowcontrol.apiserver.k8s.io/v1beta3/PriorityLevelConfiguration": ["1.32", "flowcontrol.apiserver.k8s.io/v1"],
}

fail contains result if {
	attrs := input.resource.attributes
	key := sprintf("%v/%v", [object.get(attrs, "apiVersion", ""), object.get(attrs, "kind", "")])
	info := removed[key]
	result := {
		"msg": sprintf("%v is no longer served since Kubernetes %v: use %v", [key, info[0], info[1]]),
		"path": "apiVersion",
	}
}
