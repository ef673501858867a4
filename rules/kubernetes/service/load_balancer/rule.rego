# METADATA
# title: LoadBalancer Services restrict their source ranges
# description: >-
#   A LoadBalancer Service without loadBalancerSourceRanges (or with 0.0.0.0/0) is reachable
#   from the whole Internet. Internal load balancers (the AWS, Azure, GCP/GKE and OCI internal
#   annotations) pass.
# custom:
#   id: PG-K8S-SVC-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     kubernetes: [v1/Service]
#   frameworks:
#     nist-800-53: [SC-7, AC-4]
#     pci-dss-4.0: ["1.3.1"]
#   remediation: Set spec.loadBalancerSourceRanges to the client CIDRs, or make the load balancer internal with your cloud's annotation.
#   fixable: false
package policyguard.rules.kubernetes.service.load_balancer

import rego.v1

import data.policyguard.lib

# obj(x): x when it is an object, otherwise {} (object.get on null is an evaluation error)
obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

# arr(x): x when it is an array, otherwise [] (plans and YAML give null for unset lists, and
# iterating or counting null is an evaluation error)
arr(x) := x if is_array(x)

arr(x) := [] if not is_array(x)

internal_annotations := {
	"service.beta.kubernetes.io/aws-load-balancer-internal": {"true", "0.0.0.0/0"},
	"service.beta.kubernetes.io/aws-load-balancer-scheme": {"internal"},
	"service.beta.kubernetes.io/azure-load-balancer-internal": {"true"},
	"cloud.google.com/load-balancer-type": {"internal"},
	"networking.gke.io/load-balancer-type": {"internal"},
	"service.beta.kubernetes.io/oci-load-balancer-internal": {"true"},
}

internal_lb if {
	some key, values in internal_annotations
	value := input.resource.attributes.metadata.annotations[key]
	lower(sprintf("%v", [value])) in values
}

# Source ranges are judged by what they cover together (lib.exposure): 0.0.0.0/0 however
# spelled, 0.0.0.0/1 + 128.0.0.0/1, large public ranges; a malformed range is unknown.
exposures := lib.exposure(arr(object.get(obj(input.resource.attributes.spec), "loadBalancerSourceRanges", [])), set(), true)

exposure(cidr, spec) := exposures[cidr]

exposed(cidr, spec) if exposure(cidr, spec).kind != "invalid"

fail contains result if {
	spec := input.resource.attributes.spec
	spec.type == "LoadBalancer"
	not internal_lb
	count(arr(object.get(obj(spec), "loadBalancerSourceRanges", []))) == 0
	result := {
		"msg": sprintf("LoadBalancer Service \"%v\" is reachable from any address (no loadBalancerSourceRanges, not internal)", [input.resource.attributes.metadata.name]),
		"path": "spec.type",
	}
}

fail contains result if {
	spec := input.resource.attributes.spec
	spec.type == "LoadBalancer"
	not internal_lb
	some i, cidr in arr(spec.loadBalancerSourceRanges)
	exposed(cidr, spec)
	result := {
		"msg": sprintf("LoadBalancer Service \"%v\" allows source range %s%s", [input.resource.attributes.metadata.name, cidr, lib.exposure_text(exposure(cidr, spec), "with the other source ranges")]),
		"path": sprintf("spec.loadBalancerSourceRanges[%d]", [i]),
	}
}

# a source range that is not a valid CIDR is not skipped
unknown contains result if {
	spec := input.resource.attributes.spec
	spec.type == "LoadBalancer"
	not internal_lb
	some i, cidr in arr(spec.loadBalancerSourceRanges)
	exposure(cidr, spec).kind == "invalid"
	result := {
		"msg": sprintf("LoadBalancer Service \"%v\": source range %v is not a valid CIDR, so whether it is open to the Internet is not known", [input.resource.attributes.metadata.name, cidr]),
		"path": sprintf("spec.loadBalancerSourceRanges[%d]", [i]),
		"expr": sprintf("invalid CIDR %v", [cidr]),
	}
}
