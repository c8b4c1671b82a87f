using System.Text.Json;

namespace OrthoProj.Bench.Reporting;

/// <summary>JSON options shared by the reports.</summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
