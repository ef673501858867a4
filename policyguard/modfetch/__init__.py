"""Remote Terraform modules, downloaded before parsing (``--download-modules``).

The scan core calls ``resolve.resolve_unit`` with a Terraform unit before the parser runs; it
walks the unit's module calls, downloads what is neither local nor in ``terraform init``'s cache
into policyguard's module cache, and hands the parser a manifest (module key -> directory, or why
not), as ``.terraform/modules/modules.json`` does. The parser never touches the network.

Modules: ``sources`` (go-getter and registry addresses), ``versions`` (Terraform's version
constraints), ``transport`` (HTTPS, git and archives, each bounded), ``resolve`` (the walk, the
cache and the lock file). Nothing is imported here, so the parser can import ``manifest`` cheaply.
"""
