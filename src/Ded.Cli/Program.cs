using System.CommandLine;
using System.Globalization;
using Ded.Cli.Commands;

// Reasons, metrics and reports print numbers one way on every machine, whatever its locale (ICU is on for NFC).
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;

TerminalOutput.Install();
var root = new RootCommand("Ded: data-efficient distillation of reasoning (arXiv 2508.09883).");
foreach (var command in CommandCatalog.All())
    root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync();
