using System.Globalization;
using System.Runtime.CompilerServices;

namespace Ded.Tests.Support;

/// <summary>The tests see the invariant culture, as the CLI does (Program.cs), whatever the machine's locale.</summary>
internal static class InvariantCulture
{
#pragma warning disable CA2255 // a test assembly's module initializer on purpose: it runs before any test
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Set() =>
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
}
