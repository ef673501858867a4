from policyguard.commands import main

main()
