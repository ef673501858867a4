# METADATA
# title: DMS database endpoints connect with TLS
# description: >-
#   ssl_mode (CloudFormation: SslMode) defaults to none: the replication instance then reads
#   and writes the whole database over an unencrypted connection, credentials included.
#   Endpoints of engines that do not use the setting (S3, DynamoDB, Kinesis, Kafka,
#   OpenSearch, Neptune, Redshift) are not judged.
# custom:
#   id: PG-AWS-DMS-002
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_dms_endpoint]
#     cloudformation: ["AWS::DMS::Endpoint"]
#   frameworks:
#     nist-800-53: ["SC-8"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Set ssl_mode = "verify-full" (or require) with certificate_arn (CloudFormation:
#     SslMode, CertificateArn).
#   fixable: false
package policyguard.rules.aws.dms.endpoint_ssl

import data.policyguard.lib
import rego.v1

ssl_engines := {
	"mysql", "mariadb", "aurora", "aurora-postgresql", "aurora-serverless", "aurora-postgresql-serverless",
	"postgres", "oracle", "sqlserver", "sybase", "mongodb", "docdb", "db2", "db2-zos", "azuredb",
	"azure-sql-managed-instance", "babelfish",
}

keys := {
	"aws_dms_endpoint": {"engine": "engine_name", "ssl": "ssl_mode"},
	"AWS::DMS::Endpoint": {"engine": "EngineName", "ssl": "SslMode"},
}

fail contains result if {
	k := keys[input.resource.type]
	lower(lib.str(lib.attr(k.engine))) in ssl_engines
	v := lib.attr(k.ssl)
	lower(lib.str(v)) in {"none", ""}
	not lib.is_unknown(v)
	result := {"msg": sprintf("%s: the %v endpoint connects without TLS (%s %s)", [input.resource.id, lib.attr(k.engine), k.ssl, shown(v)]), "path": k.ssl}
}

shown(v) := "not set, none by default" if v == null

shown(v) := sprintf("%v", [v]) if v != null
