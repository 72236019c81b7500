from stream_iac.cli.entry import main

main()
