from stream_iac.entry import main

main()
