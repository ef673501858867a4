# METADATA
# title: Load balancer listeners use HTTPS or redirect HTTP to HTTPS
# description: >-
#   A plain HTTP listener that forwards to targets sends cookies, tokens and form data in clear
#   text across the internet. HTTP listeners whose default action redirects to HTTPS pass.
#   Classic load balancer HTTP listeners cannot redirect and are reported.
# custom:
#   id: PG-AWS-ELB-001
#   severity: medium
#   profile: baseline
#   confidence: high
#   resource_types:
#     terraform: [aws_lb_listener, aws_alb_listener, aws_elb]
#     cloudformation: ["AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancing::LoadBalancer"]
#   frameworks:
#     nist-800-53: ["SC-8"]
#     pci-dss-4.0: ["4.2.1"]
#     soc2: ["CC6.7"]
#   remediation: >-
#     Serve the application on an HTTPS listener with an ACM certificate and change the HTTP
#     listener's default action to a redirect to HTTPS (port 443, HTTP_301).
#   fixable: true
#   fix_safety: behaviour-changing
package policyguard.rules.aws.elb.https_listener

import data.policyguard.lib
import rego.v1

fail contains result if {
	input.resource.type in {"aws_lb_listener", "aws_alb_listener"}
	plain_http(object.get(input.resource.attributes, "protocol", default_protocol))
	not tf_redirects
	result := {
		"msg": sprintf("%s: port %v serves plain HTTP without redirecting to HTTPS", [input.resource.id, object.get(input.resource.attributes, "port", "?")]),
		"path": tf_path,
		"fix": {"description": "Redirect HTTP to HTTPS", "ops": [{"op": "set", "path": "default_action", "value": [{
			"type": "redirect",
			"redirect": [{"port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}],
		}]}]},
	}
}

fail contains result if {
	input.resource.type == "AWS::ElasticLoadBalancingV2::Listener"
	plain_http(input.resource.attributes.Protocol)
	not cfn_redirects
	result := {
		"msg": sprintf("%s: port %v serves plain HTTP without redirecting to HTTPS", [input.resource.id, object.get(input.resource.attributes, "Port", "?")]),
		"path": "Protocol",
		"fix": {"description": "Redirect HTTP to HTTPS", "ops": [{"op": "set", "path": "DefaultActions", "value": [{
			"Type": "redirect",
			"RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"},
		}]}]},
	}
}

# classic load balancers: every HTTP listener
fail contains result if {
	input.resource.type == "aws_elb"
	some i, l in lib.coll(input.resource.attributes.listener)
	plain_http(l.lb_protocol)
	result := {
		"msg": sprintf("%s: classic load balancer listener on port %v uses plain HTTP", [input.resource.id, object.get(l, "lb_port", "?")]),
		"path": sprintf("listener[%d].lb_protocol", [i]),
	}
}

fail contains result if {
	input.resource.type == "AWS::ElasticLoadBalancing::LoadBalancer"
	some i, l in lib.coll(input.resource.attributes.Listeners)
	plain_http(l.Protocol)
	result := {
		"msg": sprintf("%s: classic load balancer listener on port %v uses plain HTTP", [input.resource.id, object.get(l, "LoadBalancerPort", "?")]),
		"path": sprintf("Listeners[%d].Protocol", [i]),
	}
}

# Terraform defaults an ALB listener without protocol to HTTP; only port 80 is assumed to be one
default_protocol := "HTTP" if input.resource.attributes.port == 80

default_protocol := "" if not input.resource.attributes.port == 80

tf_path := "protocol" if lib.has(input.resource.attributes, "protocol")

tf_path := "default_action" if not lib.has(input.resource.attributes, "protocol")

plain_http(p) if {
	is_string(p)
	upper(p) == "HTTP"
}

# an unresolved protocol is judged: the engine reports unknown when the path holds it
plain_http(p) if lib.is_unknown(p)

tf_redirects if {
	some a in lib.arr(input.resource.attributes.default_action)
	a.type == "redirect"
	is_string(a.redirect[0].protocol)
	upper(a.redirect[0].protocol) == "HTTPS"
}

cfn_redirects if {
	some a in lib.arr(input.resource.attributes.DefaultActions)
	a.Type == "redirect"
	is_string(a.RedirectConfig.Protocol)
	upper(a.RedirectConfig.Protocol) == "HTTPS"
}
