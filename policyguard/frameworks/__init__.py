"""Compliance framework catalogues (data: one YAML file per framework, schema
``policyguard/schemas/framework.schema.json``)."""
