using System.Text.Json;
using System.Text.Json.Serialization;

namespace XnorSpec.Files;

/// <summary>The JSON style of every file XnorSpec writes: camelCase names, enums as names, indented.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };
}
