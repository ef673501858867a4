# METADATA
# title: OpenSearch domain access policies do not allow any principal
# description: >-
#   A domain with a public endpoint whose access policy is open to everyone serves its
#   indices to anyone on the internet who can reach the endpoint. Domains in a VPC
#   (vpc_options / VPCOptions with subnets) are reached only through their security groups
#   and are not reported. A statement counts as public when it allows Principal "*" or
#   {"AWS": "*"} (or uses Allow with NotPrincipal) and no condition limits the callers:
#   aws:SourceVpce, aws:SourceVpc, aws:PrincipalOrgID, aws:PrincipalAccount,
#   aws:SourceAccount, aws:SourceArn (and similar) with specific values, or aws:SourceIp
#   with private or narrow ranges. Negated operators, ...IfExists, ForAllValues and
#   conditions such as aws:SecureTransport do not limit who calls.
# custom:
#   id: PG-AWS-OPENSEARCH-100
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_opensearch_domain, aws_opensearch_domain_policy, aws_elasticsearch_domain, aws_elasticsearch_domain_policy]
#     cloudformation: ["AWS::OpenSearchService::Domain", "AWS::Elasticsearch::Domain"]
#   frameworks:
#     nist-800-53: ["AC-3", "AC-6"]
#     pci-dss-4.0: ["7.2.1"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Name the roles that query the domain, limit the statement with aws:SourceIp to known
#     ranges, or place the domain in a VPC.
#   fixable: false
package policyguard.rules.aws.opensearch.access_policy_public

import data.policyguard.lib
import rego.v1

# the attributes that hold the policy, by resource type
policy_keys := {
	"aws_opensearch_domain": ["access_policies"],
	"aws_opensearch_domain_policy": ["access_policies"],
	"aws_elasticsearch_domain": ["access_policies"],
	"aws_elasticsearch_domain_policy": ["access_policies"],
	"AWS::OpenSearchService::Domain": ["AccessPolicies"],
	"AWS::Elasticsearch::Domain": ["AccessPolicies"],
}

keys := object.get(policy_keys, input.resource.type, [])

fail contains result if {
	not in_vpc
	some g in lib.public_grants(keys)
	result := {
		"msg": sprintf("%s: %s%s allows %s to any principal without a condition that limits the callers", [input.resource.id, lib.statement_label(g.st), via(g), lib.statement_actions(g.st)]),
		"path": g.path,
	}
}

fail contains result if {
	not in_vpc
	some key in lib.unresolved_policies(keys)
	result := {"msg": sprintf("%s: the access policy is not resolved", [input.resource.id]), "path": key}
}

via(g) := sprintf(" (in %s)", [g.source]) if g.source != null

via(g) := "" if g.source == null

# a VPC domain: the resource itself, or the domain a separate policy resource points at
in_vpc if vpc_domain(input.resource)

in_vpc if {
	some ref in lib.arr(input.resource.references)
	ref.path == "domain_name"
	vpc_domain(input.resources[ref.target])
}

vpc_domain(res) if {
	some key in ["vpc_options", "VPCOptions"]
	some block in lib.as_array(object.get(res.attributes, key, []))
	ids := object.get(lib.obj(block), ["subnet_ids", "SubnetIds"][_], null)
	ids != null
	ids != []
}
