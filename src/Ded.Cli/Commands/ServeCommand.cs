using System.CommandLine;
using Ded.Cli.Serving;
using Ded.Lab;
using Ded.Student;
using Ded.Teachers;

namespace Ded.Cli.Commands;

/// <summary>`ded serve`: a lab student checkpoint or a lab teacher behind an OpenAI-compatible API on loopback.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A lab student checkpoint folder to serve." };
        var teacher = new Option<string?>("--lab-teacher") { Description = $"A lab teacher to serve ({string.Join(", ", LabTeachers.Names)})." };
        var port = new Option<int>("--port") { Description = "Loopback port; 0 picks a free one.", DefaultValueFactory = _ => 0 };
        var modelId = new Option<string?>("--model-id") { Description = "The served model id (default: lab/NAME for a teacher, as the in-process lab names it; the folder name for a checkpoint)." };
        var keyEnv = new Option<string?>("--api-key-env") { Description = "Name of an environment variable holding a key that every request must send as a Bearer token." };
        var latency = new Option<int>("--latency-ms") { Description = "Simulated latency per lab-teacher request, in milliseconds.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads for a checkpoint (a tiny model gains nothing from more).", DefaultValueFactory = _ => 1 };
        var limits = new ServeLimits();
        var maxBytes = new Option<int>("--max-request-bytes") { Description = "The largest request body; larger ones get 413.", DefaultValueFactory = _ => limits.MaxRequestBytes };
        var maxConcurrent = new Option<int>("--max-concurrent") { Description = "Generation requests running at once.", DefaultValueFactory = _ => limits.MaxConcurrent };
        var maxQueued = new Option<int>("--max-queued") { Description = "Requests waiting to run; one more gets 429 with Retry-After.", DefaultValueFactory = _ => limits.MaxQueued };
        var bodyTimeout = new Option<int>("--body-timeout-s") { Description = "Seconds a request body may take to arrive (408 after).", DefaultValueFactory = _ => (int)limits.BodyTimeout.TotalSeconds };
        var allowedHosts = new Option<string[]>("--allowed-host") { Description = "A Host header name to accept besides localhost, 127.0.0.1 and [::1] (repeatable; *.name and * match many).", AllowMultipleArgumentsPerToken = false };
        var corsOrigins = new Option<string[]>("--cors-origin") { Description = "A browser origin (scheme://host:port) allowed to call the API (repeatable); other origins get 403." };
        var command = new Command("serve", "Serve a lab student checkpoint or a lab teacher over an OpenAI-compatible HTTP API on 127.0.0.1.")
            { checkpoint, teacher, port, modelId, keyEnv, latency, threads, maxBytes, maxConcurrent, maxQueued, bodyTimeout, allowedHosts, corsOrigins };
        command.SetAction((parse, ct) => CliSupport.GuardAsync(async () =>
        {
            var options = new ServeOptions
            {
                Port = parse.GetValue(port), Key = ReadKey(parse.GetValue(keyEnv)),
                Limits = new ServeLimits
                {
                    MaxRequestBytes = parse.GetValue(maxBytes), MaxConcurrent = parse.GetValue(maxConcurrent), MaxQueued = parse.GetValue(maxQueued),
                    BodyTimeout = TimeSpan.FromSeconds(parse.GetValue(bodyTimeout)),
                },
                AllowedHosts = parse.GetValue(allowedHosts) ?? [], CorsOrigins = [.. (parse.GetValue(corsOrigins) ?? []).Select(Origin)],
            };
            options.Limits.Validate();
            using var model = Model(parse.GetValue(checkpoint), parse.GetValue(teacher), parse.GetValue(modelId),
                TimeSpan.FromMilliseconds(parse.GetValue(latency)), parse.GetValue(threads));
            await using var server = await OpenAiServer.StartAsync(model, options, ct);
            // The first stdout line is the contract with scripts and tests that start a server on port 0.
            Console.Out.WriteLine($"listening on {server.BaseUrl}");
            Console.Out.WriteLine($"model: {model.Id}; endpoints: {OpenAiServer.ServedRoutes}; Ctrl+C stops");
            Console.Out.WriteLine(options.Limits.Describe());
            Console.Out.Flush();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, server.Stopping);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            return 0;
        }));
        return command;
    }

    private static IServedModel Model(string? checkpoint, string? teacher, string? id, TimeSpan latency, int threads)
    {
        if ((checkpoint is null) == (teacher is null))
            throw new InvalidOperationException("ded serve needs exactly one of --checkpoint DIR or --lab-teacher NAME");
        if (teacher is not null)
        {
            if (!LabTeachers.Names.Contains(teacher))
                throw new InvalidOperationException($"--lab-teacher: unknown lab teacher '{teacher}' (known: {string.Join(", ", LabTeachers.Names)})");
            var client = LabTeachers.Create(teacher);
            return new TeacherModel(latency > TimeSpan.Zero ? new LatencyChatClient(client, latency) : client, id ?? "lab/" + teacher);
        }
        if (!Directory.Exists(checkpoint))
            throw new InvalidOperationException($"--checkpoint: {checkpoint} is not a folder; pass a lab student checkpoint folder (written by LabStudent.Save or a training run's CheckpointDir)");
        TorchRuntime.UseThreads(threads);
        LabStudent student;
        try
        {
            student = LabStudent.Load(checkpoint!, threads);
        }
        catch (Exception e) when (e is IOException or FormatException or System.Text.Json.JsonException)
        {
            throw new InvalidOperationException($"--checkpoint: {e.Message}", e);
        }
        return new StudentModel(student, id ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(checkpoint!))), threads);
    }

    /// <summary>An origin as browsers send it: scheme://host[:port], no path.</summary>
    private static string Origin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/" && value.TrimEnd('/') == uri.GetLeftPart(UriPartial.Authority)
            ? value.TrimEnd('/')
            : throw new InvalidOperationException($"--cors-origin: '{value}' is not an origin; give scheme://host[:port], e.g. http://localhost:3000");

    private static string? ReadKey(string? variable)
    {
        if (variable is null) return null;
        var key = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(key)
            ? throw new InvalidOperationException($"--api-key-env names {variable}, which is not set: export {variable}=<key> first, or leave --api-key-env out")
            : key;
    }
}
