from stream_iac.cli import main

main()
