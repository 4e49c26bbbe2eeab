using System.Diagnostics;
using System.Reflection;
using System.Xml.Linq;
using Ded.Tests.Support;
using Xunit;

namespace Ded.Tests.Architecture;

/// <summary>
/// The pipeline's direction (docs/architecture.md) is a build rule: each project may reference only the projects
/// Directory.Build.targets lists for it, and only the tests see internals.
/// </summary>
public class DependencyDirectionTests
{
    /// <summary>What each project may reference: the same table as Directory.Build.targets and docs/architecture.md.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Ded.Endpoints"] = [],
        ["Ded.Verification"] = [],
        ["Ded.Core"] = ["Ded.Endpoints", "Ded.Verification"],
        ["Ded.Reports"] = ["Ded.Core"],
        ["Ded.Student"] = ["Ded.Core"],
        ["Ded.Lab"] = ["Ded.Core", "Ded.Student", "Ded.Reports"],
        ["Ded.Cli"] = ["Ded.Core", "Ded.Reports", "Ded.Student", "Ded.Lab"],
    };

    private static string Src => Path.Combine(SharedData.RepoRoot, "src");

    private static IEnumerable<XElement> Items(string project, string item) =>
        XDocument.Load(Path.Combine(Src, project, project + ".csproj")).Descendants(item);

    [Fact]
    public void EveryProjectReferencesOnlyWhatItMayAndOnlyTheTestsSeeInternals()
    {
        Assert.Equal(Allowed.Keys.Order(), Directory.GetDirectories(Src).Select(Path.GetFileName).Order()!);
        foreach (var (project, allowed) in Allowed)
        {
            var references = Items(project, "ProjectReference").Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value)).ToList();
            Assert.True(references.All(allowed.Contains), $"{project} references {string.Join(", ", references.Except(allowed))}");
            Assert.All(Items(project, "InternalsVisibleTo"), i => Assert.Equal("Ded.Tests", i.Attribute("Include")!.Value));
        }
    }

    /// <summary>What the compiler linked: the core assemblies name no lab, report, student or CLI assembly.</summary>
    [Fact]
    public void TheCompiledCoreNamesNeitherTheLabNorTheCli()
    {
        string[] never = ["Ded.Lab", "Ded.Cli", "Ded.Reports", "Ded.Student"];
        foreach (var assembly in new[] { typeof(Runs.RunStore).Assembly, typeof(Teachers.Endpoints.EndpointOptions).Assembly, typeof(Ded.Verification.Math.MathVerifier).Assembly })
            Assert.DoesNotContain(assembly.GetReferencedAssemblies(), a => never.Contains(a.Name));
        Assert.DoesNotContain(typeof(LabExtension).Assembly.GetReferencedAssemblies(), a => a.Name == "Ded.Cli");
    }

    /// <summary>
    /// The build itself refuses a reference against the direction: a copy of the core's project file that references
    /// the lab, evaluated where Directory.Build.targets applies, fails with the rule's message (one msbuild run, ~10 s).
    /// </summary>
    [Fact]
    public async Task AReferenceFromTheCoreToTheLabFailsTheBuild()
    {
        var probe = Path.Combine(Src, "Ded.Core", "obj", "direction-probe-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(probe);
        try
        {
            var project = Path.Combine(probe, "Ded.Core.csproj"); // the rule keys on the project's name
            File.WriteAllText(project, $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <ItemGroup>
                    <ProjectReference Include="{Path.Combine(Src, "Ded.Endpoints", "Ded.Endpoints.csproj")}" />
                    <ProjectReference Include="{Path.Combine(Src, "Ded.Lab", "Ded.Lab.csproj")}" />
                  </ItemGroup>
                </Project>
                """);
            var info = new ProcessStartInfo("dotnet", ["msbuild", project, "-t:DedCheckReferenceDirection", "-nologo", "-v:q"])
                { RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using var msbuild = Process.Start(info)!;
            var output = await msbuild.StandardOutput.ReadToEndAsync() + await msbuild.StandardError.ReadToEndAsync();
            await msbuild.WaitForExitAsync();
            Assert.NotEqual(0, msbuild.ExitCode);
            Assert.Contains("Ded.Core references Ded.Lab, but may reference only: Ded.Endpoints;Ded.Verification", output);
        }
        finally
        {
            Directory.Delete(probe, recursive: true);
        }
    }
}
