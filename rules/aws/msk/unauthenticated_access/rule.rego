# METADATA
# title: MSK clusters require client authentication
# description: >-
#   Without client authentication (no SASL/IAM, SASL/SCRAM or mutual TLS, or with
#   unauthenticated access explicitly enabled) any client that reaches a broker can produce
#   to and consume from every topic. A cluster with no client_authentication block
#   (CloudFormation: ClientAuthentication) allows unauthenticated access, which is MSK's
#   default.
# custom:
#   id: PG-AWS-MSK-004
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_msk_cluster]
#     cloudformation: ["AWS::MSK::Cluster"]
#   frameworks:
#     nist-800-53: ["IA-2", "AC-3"]
#     soc2: ["CC6.1"]
#   remediation: >-
#     Add client_authentication { sasl { iam = true } } (or scram, or tls with a private
#     CA) and leave unauthenticated = false (CloudFormation:
#     ClientAuthentication.Sasl.Iam.Enabled: true).
#   fixable: false
package policyguard.rules.aws.msk.unauthenticated_access

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type == "aws_msk_cluster"
	ca := lib.first(lib.attr("client_authentication"))
	not lib.is_unknown(lib.attr("client_authentication"))
	not tf_authenticated(lib.obj(ca))
	result := {"msg": sprintf("%s: clients may connect without authentication", [input.resource.id]), "path": tf_path(ca)}
}

fail contains result if {
	input.resource.type == "AWS::MSK::Cluster"
	ca := lib.attr("ClientAuthentication")
	not lib.is_unknown(ca)
	not cfn_authenticated(lib.obj(ca))
	result := {"msg": sprintf("%s: clients may connect without authentication", [input.resource.id]), "path": "ClientAuthentication"}
}

tf_authenticated(ca) if {
	not lib.truthy(object.get(ca, "unauthenticated", null))
	tf_method(ca)
}

tf_method(ca) if {
	sasl := lib.obj(lib.first(object.get(ca, "sasl", null)))
	some k in ["iam", "scram"]
	lib.truthy(object.get(sasl, k, null))
}

tf_method(ca) if {
	tls := lib.obj(lib.first(object.get(ca, "tls", null)))
	count(lib.coll(object.get(tls, "certificate_authority_arns", null))) > 0
}

tf_path(ca) := "client_authentication[0]" if is_object(ca)

tf_path(ca) := "client_authentication" if not is_object(ca)

cfn_authenticated(ca) if {
	not lib.truthy(object.get(lib.obj(object.get(ca, "Unauthenticated", null)), "Enabled", null))
	cfn_method(ca)
}

cfn_method(ca) if {
	sasl := lib.obj(object.get(ca, "Sasl", null))
	some k in ["Iam", "Scram"]
	lib.truthy(object.get(lib.obj(object.get(sasl, k, null)), "Enabled", null))
}

cfn_method(ca) if {
	tls := lib.obj(object.get(ca, "Tls", null))
	count(lib.coll(object.get(tls, "CertificateAuthorityArnList", null))) > 0
}
