"""`stream-iac completion SHELL`: the shell completion script, as click generates it. The script
calls `stream-iac` back with `_STREAM_IAC_COMPLETE` set to ask for completions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from stream_iac.cli.output import Output

PROG_NAME = "stream-iac"
COMPLETE_VAR = "_STREAM_IAC_COMPLETE"


@click.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for bash (4.4 or later), zsh or fish.

    Completes commands, options, choices and stack paths.

    \b
    Examples:
      eval "$(stream-iac completion bash)"      # add to ~/.bashrc
      eval "$(stream-iac completion zsh)"       # add to ~/.zshrc, after compinit
      stream-iac completion fish > ~/.config/fish/completions/stream-iac.fish
    """
    from click.shell_completion import get_completion_class

    output: Output = ctx.obj["output"]
    cls = get_completion_class(shell)
    assert cls is not None  # click knows the three shells the choice allows
    root = ctx.find_root().command
    output.out(cls(root, {}, PROG_NAME, COMPLETE_VAR).source())
