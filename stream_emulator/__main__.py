from .cli import emulator_command

if __name__ == "__main__":
    emulator_command(prog_name="stream-iac emulator")
