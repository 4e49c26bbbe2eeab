using System.CommandLine;
using Ded.Cli.Commands;

TerminalOutput.Install();
var root = new RootCommand("Ded: data-efficient distillation of reasoning (arXiv 2508.09883).");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
