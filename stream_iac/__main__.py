from stream_iac.cli.entry import run

run()
