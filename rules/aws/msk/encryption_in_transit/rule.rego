# METADATA
# title: MSK clusters require TLS between clients and brokers and inside the cluster
# description: >-
#   client_broker = PLAINTEXT or TLS_PLAINTEXT (CloudFormation: ClientBroker) lets clients
#   produce and consume in clear text, and in_cluster = false (InCluster) sends replication
#   traffic between brokers unencrypted. The provider default (TLS, in-cluster encryption
#   on) passes.
# custom:
#   id: PG-AWS-MSK-002
#   severity: high
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_msk_cluster]
#     cloudformation: ["AWS::MSK::Cluster"]
#   frameworks:
#     nist-800-53: ["SC-8"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Set encryption_info { encryption_in_transit { client_broker = "TLS", in_cluster =
#     true } } (CloudFormation: EncryptionInfo.EncryptionInTransit ClientBroker: TLS,
#     InCluster: true).
#   fixable: false
package policyguard.rules.aws.msk.encryption_in_transit

import data.policyguard.lib
import rego.v1

plaintext := {"PLAINTEXT", "TLS_PLAINTEXT"}

fail contains result if {
	t := transit
	v := object.get(t.block, t.keys.client, null)
	upper(lib.str(v)) in plaintext
	result := {"msg": sprintf("%s: clients may connect to the brokers in plain text (%s %v)", [input.resource.id, t.keys.client, v]), "path": concat(".", [t.path, t.keys.client])}
}

fail contains result if {
	t := transit
	v := object.get(t.block, t.keys.cluster, null)
	lib.falsy(v)
	v != null
	result := {"msg": sprintf("%s: traffic between brokers is not encrypted (%s false)", [input.resource.id, t.keys.cluster]), "path": concat(".", [t.path, t.keys.cluster])}
}

transit := {"block": lib.obj(b), "path": "encryption_info[0].encryption_in_transit[0]", "keys": {"client": "client_broker", "cluster": "in_cluster"}} if {
	input.resource.type == "aws_msk_cluster"
	b := lib.first(object.get(lib.obj(lib.first(lib.attr("encryption_info"))), "encryption_in_transit", null))
	is_object(b)
}

transit := {"block": b, "path": "EncryptionInfo.EncryptionInTransit", "keys": {"client": "ClientBroker", "cluster": "InCluster"}} if {
	input.resource.type == "AWS::MSK::Cluster"
	b := object.get(lib.obj(lib.attr("EncryptionInfo")), "EncryptionInTransit", null)
	is_object(b)
}
