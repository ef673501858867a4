# METADATA
# title: EC2 instances do not get a public IP address
# description: >-
#   An instance with a public IP address is directly reachable from the internet whenever its
#   security groups allow it; workloads normally sit in private subnets behind a load balancer
#   or NAT.
# custom:
#   id: PG-AWS-EC2-007
#   severity: low
#   profile: strict
#   confidence: high
#   resource_types:
#     terraform: [aws_instance, aws_launch_template, aws_launch_configuration]
#     cloudformation: ["AWS::EC2::Instance", "AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration"]
#   frameworks:
#     nist-800-53: ["SC-7"]
#   remediation: >-
#     Set associate_public_ip_address = false (CloudFormation:
#     NetworkInterfaces[].AssociatePublicIpAddress: false) and place the instance in a private
#     subnet.
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.ec2.instance_public_ip

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_instance"}
	bad(value_0)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the instance gets a public IP address", describe([v | v := input.resource.attributes.associate_public_ip_address])]),
		"path": "associate_public_ip_address",
		"fix": {"description": "Do not assign a public IP address", "ops": [{"op": "set", "path": "associate_public_ip_address", "value": false}]}
	}
}

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_launch_template"}
	bad(value_1)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "instances launched from this template get a public IP address", describe([v | v := input.resource.attributes.network_interfaces[0].associate_public_ip_address])]),
		"path": path_1,
		"fix": {"description": "Do not assign a public IP address", "ops": [fix_op_1]}
	}
}

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_launch_template"}
	lib.is_unknown(input.resource.attributes.network_interfaces)
	result := {
		"msg": sprintf("%s: instances launched from this template get a public IP address (block network_interfaces is not resolved)", [input.resource.id]),
		"path": "network_interfaces",
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::EC2::Instance"}
	bad(value_2)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "the instance gets a public IP address", describe([v | v := input.resource.attributes.NetworkInterfaces[0].AssociatePublicIpAddress])]),
		"path": path_2,
		"fix": {"description": "Do not assign a public IP address", "ops": [fix_op_2]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::EC2::Instance"}
	lib.is_unknown(input.resource.attributes.NetworkInterfaces)
	result := {
		"msg": sprintf("%s: the instance gets a public IP address (block NetworkInterfaces is not resolved)", [input.resource.id]),
		"path": "NetworkInterfaces",
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::EC2::LaunchTemplate"}
	bad(value_3)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "instances launched from this template get a public IP address", describe([v | v := input.resource.attributes.LaunchTemplateData.NetworkInterfaces[0].AssociatePublicIpAddress])]),
		"path": path_3,
		"fix": {"description": "Do not assign a public IP address", "ops": [fix_op_3]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::EC2::LaunchTemplate"}
	lib.is_unknown(input.resource.attributes.LaunchTemplateData.NetworkInterfaces)
	result := {
		"msg": sprintf("%s: instances launched from this template get a public IP address (block LaunchTemplateData.NetworkInterfaces is not resolved)", [input.resource.id]),
		"path": "LaunchTemplateData.NetworkInterfaces",
	}
}

fail contains result if {
	input.resource.platform == "terraform"
	input.resource.type in {"aws_launch_configuration"}
	bad(value_4)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "instances launched with this configuration get a public IP address", describe([v | v := input.resource.attributes.associate_public_ip_address])]),
		"path": "associate_public_ip_address",
		"fix": {"description": "Do not assign a public IP address", "ops": [{"op": "set", "path": "associate_public_ip_address", "value": false}]}
	}
}

fail contains result if {
	input.resource.platform == "cloudformation"
	input.resource.type in {"AWS::AutoScaling::LaunchConfiguration"}
	bad(value_5)
	result := {
		"msg": sprintf("%s: %s (%s)", [input.resource.id, "instances launched with this configuration get a public IP address", describe([v | v := input.resource.attributes.AssociatePublicIpAddress])]),
		"path": "AssociatePublicIpAddress",
		"fix": {"description": "Do not assign a public IP address", "ops": [{"op": "set", "path": "AssociatePublicIpAddress", "value": false}]}
	}
}

# the judged value of target 0, null when absent (portable: no undefined arguments under `not`)
value_0 := v if {
	v := input.resource.attributes.associate_public_ip_address
} else := null

# where target 1 is judged: the attribute, or the enclosing block when that is missing
path_1 := "network_interfaces[0].associate_public_ip_address" if {
	_ = input.resource.attributes.network_interfaces[0]
} else := "network_interfaces"

fix_op_1 := {"op": "set", "path": "network_interfaces[0].associate_public_ip_address", "value": false} if {
	_ = input.resource.attributes.network_interfaces[0]
} else := {"op": "set", "path": "network_interfaces", "value": [{"associate_public_ip_address": false}]}

# the judged value of target 1, null when absent (portable: no undefined arguments under `not`)
value_1 := v if {
	v := input.resource.attributes.network_interfaces[0].associate_public_ip_address
} else := null

# where target 2 is judged: the attribute, or the enclosing block when that is missing
path_2 := "NetworkInterfaces[0].AssociatePublicIpAddress" if {
	_ = input.resource.attributes.NetworkInterfaces[0]
} else := "NetworkInterfaces"

fix_op_2 := {"op": "set", "path": "NetworkInterfaces[0].AssociatePublicIpAddress", "value": false} if {
	_ = input.resource.attributes.NetworkInterfaces[0]
} else := {"op": "set", "path": "NetworkInterfaces", "value": [{"AssociatePublicIpAddress": false}]}

# the judged value of target 2, null when absent (portable: no undefined arguments under `not`)
value_2 := v if {
	v := input.resource.attributes.NetworkInterfaces[0].AssociatePublicIpAddress
} else := null

# where target 3 is judged: the attribute, or the enclosing block when that is missing
path_3 := "LaunchTemplateData.NetworkInterfaces[0].AssociatePublicIpAddress" if {
	_ = input.resource.attributes.LaunchTemplateData.NetworkInterfaces[0]
} else := "LaunchTemplateData.NetworkInterfaces"

fix_op_3 := {"op": "set", "path": "LaunchTemplateData.NetworkInterfaces[0].AssociatePublicIpAddress", "value": false} if {
	_ = input.resource.attributes.LaunchTemplateData.NetworkInterfaces[0]
} else := {"op": "set", "path": "LaunchTemplateData.NetworkInterfaces", "value": [{"AssociatePublicIpAddress": false}]}

# the judged value of target 3, null when absent (portable: no undefined arguments under `not`)
value_3 := v if {
	v := input.resource.attributes.LaunchTemplateData.NetworkInterfaces[0].AssociatePublicIpAddress
} else := null

# the judged value of target 4, null when absent (portable: no undefined arguments under `not`)
value_4 := v if {
	v := input.resource.attributes.associate_public_ip_address
} else := null

# the judged value of target 5, null when absent (portable: no undefined arguments under `not`)
value_5 := v if {
	v := input.resource.attributes.AssociatePublicIpAddress
} else := null

describe(vs) := "not set" if count(vs) == 0

describe(vs) := sprintf("found %s", [json.marshal(vs[0])]) if count(vs) > 0

bad(v) if lib.truthy(v)

bad(v) if lib.is_unknown(v)
