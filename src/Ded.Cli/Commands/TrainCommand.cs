using System.CommandLine;
using Ded.Data.Engines;

namespace Ded.Cli.Commands;

/// <summary>`ded train --engine llamafactory|trl|ded --data DIR --out DIR --model NAME [--launch]`.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var engine = new Option<string>("--engine") { Description = "llamafactory | trl | ded", Required = true };
        engine.AcceptOnlyFromAmong("llamafactory", "trl", "ded");
        var data = new Option<string>("--data") { Description = "Folder the export wrote (dataset_info.json and rows)", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the configs and checkpoints", Required = true };
        var model = new Option<string>("--model") { Description = "Student model name or path (model_name_or_path)", Required = true };
        var template = new Option<string>("--template") { Description = "LLaMA-Factory template (deepseekr1, qwen3, qwen)", DefaultValueFactory = _ => "deepseekr1" };
        var gpus = new Option<int>("--gpus") { Description = "GPUs (effective batch 48 = per-device × accumulation × GPUs)", DefaultValueFactory = _ => 8 };
        var perDevice = new Option<int>("--per-device-batch") { Description = "Per-device train batch", DefaultValueFactory = _ => 1 };
        var launch = new Option<bool>("--launch") { Description = "Run the engine's command after writing the configs" };
        var command = new Command("train", "Write LLaMA-Factory or TRL configs with the paper's SFT settings, and print (or --launch) the command.")
        {
            engine, data, output, model, template, gpus, perDevice, launch,
        };
        command.SetAction((parse, ct) => DataCommandErrors.RunAsync(async () =>
        {
            var options = new EngineTrainingOptions
            {
                ModelNameOrPath = parse.GetValue(model)!, DataDirectory = parse.GetValue(data)!,
                OutputDirectory = parse.GetValue(output)!, Template = parse.GetValue(template)!,
                Gpus = parse.GetValue(gpus), PerDeviceBatchSize = parse.GetValue(perDevice),
            };
            var which = parse.GetValue(engine) switch { "llamafactory" => TrainingEngine.LlamaFactory, "trl" => TrainingEngine.Trl, _ => TrainingEngine.Ded };
            var config = EngineConfigWriter.Write(which, options);
            foreach (var file in config.Files) Console.WriteLine($"wrote {file}");
            Console.WriteLine(config.CommandLine);
            return parse.GetValue(launch) ? await EngineLauncher.LaunchAsync(config, ct) : 0;
        }));
        return command;
    }
}
