namespace Ded.Student; internal static class AssemblyMarker {}
