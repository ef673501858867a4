from policyguard.cli import main

main()
