/**
 * The {@code chainrule} command line: {@link dev.chainrule.cli.Main} is the picocli top-level
 * command, and each subcommand is its own class registered in Main's {@code subcommands} list.
 */
package dev.chainrule.cli;
