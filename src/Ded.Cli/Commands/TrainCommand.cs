using System.CommandLine;
using System.Globalization;
using Ded.Data.Engines;
using Ded.Student.Training;

namespace Ded.Cli.Commands;

/// <summary>`ded train --engine llamafactory|trl|ded --data DIR --out DIR --model NAME [--launch]`.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var engine = new Option<string>("--engine") { Description = "llamafactory | trl | ded", Required = true };
        engine.AcceptOnlyFromAmong("llamafactory", "trl", "ded");
        var data = new Option<string>("--data") { Description = "Folder the export wrote (dataset_info.json and rows), or its run folder; --engine trl|ded: also the messages JSONL itself", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the configs and checkpoints", Required = true };
        var model = new Option<string>("--model") { Description = "Student model name or path (model_name_or_path); --engine ded: a lab-student checkpoint folder, or `tiny` for a fresh one", Required = true };
        var template = new Option<string>("--template") { Description = "Student chat format as LLaMA-Factory names it (deepseekr1, qwen3, qwen); for TRL, deepseekr1 also writes a training chat template", DefaultValueFactory = _ => "deepseekr1" };
        var gpus = new Option<int>("--gpus") { Description = "GPUs (effective batch 48 = per-device × accumulation × GPUs)", DefaultValueFactory = _ => 8 };
        var perDevice = new Option<int>("--per-device-batch") { Description = "Per-device train batch", DefaultValueFactory = _ => 1 };
        var launch = new Option<bool>("--launch") { Description = "Run the engine's command after writing the configs" };
        var d = new TrainOptions();
        var steps = new Option<int>("--steps") { Description = "--engine ded: optimizer steps", DefaultValueFactory = _ => d.Steps };
        var lr = new Option<double>("--lr") { Description = "--engine ded: peak learning rate", DefaultValueFactory = _ => d.LearningRate };
        var threads = new Option<int>("--threads") { Description = "--engine ded: torch threads (0: all cores)", DefaultValueFactory = _ => d.Threads };
        var seed = new Option<int>("--seed") { Description = "--engine ded: data-order and initialisation seed", DefaultValueFactory = _ => d.Seed };
        var command = new Command("train", "Write LLaMA-Factory or TRL configs with the paper's SFT settings and print (or --launch) the command, or train the lab student (--engine ded).")
        {
            engine, data, output, model, template, gpus, perDevice, launch, steps, lr, threads, seed,
        };
        command.SetAction((parse, ct) => DataCommandErrors.RunAsync(async () =>
        {
            if (parse.GetValue(engine) == "ded")
            {
                var train = new TrainOptions
                {
                    Steps = parse.GetValue(steps), LearningRate = parse.GetValue(lr), Threads = parse.GetValue(threads), Seed = parse.GetValue(seed),
                    WarmupSteps = Math.Min(d.WarmupSteps, parse.GetValue(steps)),
                };
                if (train.Steps < 1) throw new ArgumentException($"--steps must be at least 1 (got {train.Steps})");
                train.Validate();
                var file = MessagesSft.FindTrlFile(parse.GetValue(data)!);
                var from = parse.GetValue(model) is "tiny" ? null : parse.GetValue(model);
                var report = await Task.Run(() => MessagesSft.Train(file, from, parse.GetValue(output)!, train, ct), ct);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"trained {report.FinalStep} steps on {Path.GetFileName(file)}: loss {report.Losses[0]:0.000} -> {report.Losses[^1]:0.000}, {report.TargetTokens} target tokens, {report.Elapsed.TotalSeconds:0.0} s"));
                Console.WriteLine($"checkpoint: {Path.GetFullPath(parse.GetValue(output)!)}");
                return 0;
            }
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
