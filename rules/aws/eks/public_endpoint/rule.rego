# METADATA
# title: EKS cluster API endpoints are not open to the whole internet
# description: >-
#   By default the Kubernetes API endpoint of an EKS cluster is public and reachable from
#   0.0.0.0/0, so any leaked kubeconfig or API vulnerability is exploitable from anywhere. Keep
#   the endpoint private, or restrict public_access_cidrs to known ranges.
# custom:
#   id: PG-AWS-EKS-001
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_eks_cluster]
#     cloudformation: ["AWS::EKS::Cluster"]
#   frameworks:
#     nist-800-53: ["SC-7", "AC-3"]
#     soc2: ["CC6.6"]
#   remediation: >-
#     Set endpoint_private_access = true and endpoint_public_access = false in vpc_config
#     (CloudFormation: ResourcesVpcConfig EndpointPrivateAccess / EndpointPublicAccess), or keep
#     the public endpoint with public_access_cidrs (PublicAccessCidrs) limited to your egress
#     ranges.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.eks.public_endpoint

import data.policyguard.lib
import rego.v1

layout := {
	"terraform": {"vpc": "vpc_config[0]", "public": "endpoint_public_access", "private": "endpoint_private_access", "cidrs": "public_access_cidrs"},
	"cloudformation": {"vpc": "ResourcesVpcConfig", "public": "EndpointPublicAccess", "private": "EndpointPrivateAccess", "cidrs": "PublicAccessCidrs"},
}

# a required block: null or a wrong type reads as empty (public, no CIDR list: fails closed)
vpc_config := lib.obj(lib.first(lib.attr("vpc_config"))) if input.resource.platform == "terraform"

vpc_config := lib.obj(lib.attr("ResourcesVpcConfig")) if input.resource.platform == "cloudformation"

fail contains result if {
	l := layout[input.resource.platform]
	not lib.falsy(object.get(vpc_config, l.public, true))
	object.get(vpc_config, l.cidrs, null) == null # unset, or null in a plan: 0.0.0.0/0
	result := {
		"msg": sprintf("%s: the API endpoint is public and %s is not set (defaults to 0.0.0.0/0)", [input.resource.id, l.cidrs]),
		"path": sprintf("%s.%s", [l.vpc, l.public]),
		"fix": fix(l),
	}
}

fail contains result if {
	l := layout[input.resource.platform]
	not lib.falsy(object.get(vpc_config, l.public, true))
	some i, cidr in lib.coll(vpc_config[l.cidrs])
	exposed(cidr, lib.coll(vpc_config[l.cidrs]))
	result := {
		"msg": sprintf("%s: the public API endpoint accepts %s%s", [input.resource.id, cidr, lib.exposure_text(exposure(cidr, vpc_config[l.cidrs]), "with the other public access CIDRs")]),
		"path": sprintf("%s.%s[%d]", [l.vpc, l.cidrs, i]),
		"fix": fix(l),
	}
}

# an unresolved CIDR list is judged too (unknown verdict)
fail contains result if {
	l := layout[input.resource.platform]
	not lib.falsy(object.get(vpc_config, l.public, true))
	lib.is_unknown(vpc_config[l.cidrs])
	result := {"msg": sprintf("%s: the public endpoint's allowed CIDRs are not resolved", [input.resource.id]), "path": sprintf("%s.%s", [l.vpc, l.cidrs])}
}

fix(l) := {"description": "Make the API endpoint private", "ops": [
	{"op": "set", "path": sprintf("%s.%s", [l.vpc, l.private]), "value": true},
	{"op": "set", "path": sprintf("%s.%s", [l.vpc, l.public]), "value": false},
]}

# Public access CIDRs are judged by what they cover together (lib.exposure): 0.0.0.0/0
# however spelled, 0.0.0.0/1 + 128.0.0.0/1, large public ranges.
exposures := lib.exposure(public_cidrs, set(), true)

public_cidrs := cidrs if {
	cidrs := vpc_config[layout[input.resource.platform].cidrs]
	is_array(cidrs)
}

exposure(cidr, cidrs) := exposures[cidr]

exposed(cidr, cidrs) if exposure(cidr, cidrs).kind != "invalid"

# a public access CIDR that is not a valid CIDR is not skipped
unknown contains result if {
	l := layout[input.resource.platform]
	not lib.falsy(object.get(vpc_config, l.public, true))
	some i, cidr in lib.coll(vpc_config[l.cidrs])
	exposure(cidr, vpc_config[l.cidrs]).kind == "invalid"
	result := {
		"msg": sprintf("%s: public access CIDR %v is not a valid CIDR, so whether the API endpoint is open to the internet is not known", [input.resource.id, cidr]),
		"path": sprintf("%s.%s[%d]", [l.vpc, l.cidrs, i]),
		"expr": sprintf("invalid CIDR %v", [cidr]),
	}
}
