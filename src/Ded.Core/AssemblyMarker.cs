namespace Ded; internal static class AssemblyMarker {}
