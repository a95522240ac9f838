using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using XnorSpec.Data;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Sources;
using XnorSpec.Training;

namespace XnorSpec.Experiments;

/// <summary>
/// A named set of experiments sharing base settings, read from fixtures/profiles/NAME.json: the one
/// definition the specs, the command line and the README's figures all use.
/// </summary>
public sealed record Profile(string Name, string Description, Experiment Settings, IReadOnlyList<Experiment> Experiments)
{
    public const string Seed = "seed";
    public const string Quick = "quick";
    public const string FashionQuick = "fashion-quick";
    public const string Fashion = "fashion";

    public Experiment Get(FusionKind head, LabelRule labels) =>
        Experiments.FirstOrDefault(e => e.Head == head && e.Labels == labels)
        ?? throw new ArgumentException($"Profile '{Name}' has no experiment {head}/{labels}.");

    public static IReadOnlyList<string> Available() =>
        Directory.GetFiles(Fixtures.Path("profiles"), "*.json").Select(f => System.IO.Path.GetFileNameWithoutExtension(f)!).Order().ToArray();

    public static Profile Load(string name)
    {
        var file = Fixtures.Path("profiles", name + ".json");
        if (!File.Exists(file))
            throw new ArgumentException($"Unknown profile '{name}'; available: {string.Join(", ", Available())} (files in {Fixtures.Path("profiles")}).", nameof(name));
        return LoadFile(file);
    }

    /// <summary>Reads a profile file; any problem is an ArgumentException naming the file, the line and the field.</summary>
    public static Profile LoadFile(string file)
    {
        var text = File.ReadAllText(file);
        ProfileFile data;
        try
        {
            data = JsonSerializer.Deserialize<ProfileFile>(text, JsonOptions)
                   ?? throw new JsonException("the file holds no profile object");
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is long line ? $", line {line + 1}" : "";
            throw new ArgumentException($"Profile file {file}{where}: {e.Message} Fix the field to match fixtures/profiles/README.md.", e);
        }
        var name = System.IO.Path.GetFileNameWithoutExtension(file);
        var settings = Apply(data.Settings, new Experiment(), file, text, null);
        // The default label rule is the data's own comparison (same colour, same category), as its source says.
        if (!data.Settings.ContainsKey(LabelsField)) settings = settings with { Labels = DefaultLabels(settings) };
        int? experiment = null;
        try
        {
            Accepted(settings);
            var experiments = new List<Experiment>();
            for (experiment = 0; experiment < data.Experiments.Length; experiment++)
            {
                var overrides = data.Experiments[experiment.Value];
                var one = Apply(overrides, settings, file, text, experiment);
                // An experiment that moves to other data without naming labels takes that data's comparison.
                if (!overrides.ContainsKey(LabelsField) && one.Data != settings.Data) one = one with { Labels = DefaultLabels(one) };
                experiments.Add(Accepted(one));
            }
            return new Profile(name, data.Description, settings, experiments);
        }
        catch (ArgumentException e) when (e.ParamName is { } setting)
        {
            var field = JsonNamingPolicy.CamelCase.ConvertName(setting);
            var where = LineOf(text, field, experiment) is int line ? $", line {line}, field '{field}'" : $", field '{field}' (its default)";
            throw new ArgumentException($"Profile file {file}{where}: {e.Reason()}", setting, e);
        }
    }

    private static LabelRule DefaultLabels(Experiment e)
    {
        using var source = PairSources.For(e.Data);
        return source.DefaultLabels;
    }

    private static Experiment Accepted(Experiment e)
    {
        e.Validated();
        using var source = PairSources.For(e.Data);
        return source.Accept(e);
    }

    private static readonly string LabelsField = JsonNamingPolicy.CamelCase.ConvertName(nameof(Experiment.Labels));

    /// <summary>
    /// <paramref name="over"/> with the fields of <paramref name="overrides"/> (any subset of the experiment's own JSON
    /// fields) put over it; an unknown field or a value of the wrong kind is refused naming the file, line and field.
    /// </summary>
    private static Experiment Apply(JsonObject overrides, Experiment over, string file, string text, int? experiment)
    {
        var merged = JsonSerializer.SerializeToNode(over, JsonOptions)!.AsObject();
        foreach (var (field, value) in overrides)
        {
            if (!merged.ContainsKey(field))
                throw Refusal(file, text, field, experiment, $"field '{field}' is not a setting; the settings are {string.Join(", ", merged.Select(m => m.Key))}.");
            merged[field] = value?.DeepClone();
        }
        try { return merged.Deserialize<Experiment>(JsonOptions)!; }
        catch (JsonException e)
        {
            var field = e.Path?.Split('.')[^1] ?? "?";
            var property = typeof(Experiment).GetProperty(field, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            var type = property?.PropertyType ?? typeof(object);
            var accepted = type.IsEnum ? $"one of {string.Join(", ", Enum.GetNames(type))}" : type == typeof(double) ? "a number" : "an integer";
            throw Refusal(file, text, field, experiment, $"field '{field}' has a value that cannot be read; accepted: {accepted}.");
        }
    }

    private static ArgumentException Refusal(string file, string text, string field, int? experiment, string problem)
    {
        var where = LineOf(text, field, experiment) is int line ? $", line {line}" : "";
        return new ArgumentException($"Profile file {file}{where}: {problem} Fix the field to match fixtures/profiles/README.md.");
    }

    /// <summary>
    /// The line where <paramref name="field"/> is set for experiment number <paramref name="experiment"/>
    /// (or, when it inherits the value, in "settings"); null when the file does not set it.
    /// </summary>
    private static int? LineOf(string text, string field, int? experiment)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(text);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        string? section = null;
        int index = -1;
        int? inSettings = null, inExperiment = null;
        while (reader.Read())
        {
            // Depth 1: the file's sections; depth 2: the settings' fields and the experiment objects; depth 3: an experiment's fields.
            if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == 2 && section == "experiments") index++;
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            var name = reader.GetString();
            if (reader.CurrentDepth == 1) { section = name; continue; }
            if (!string.Equals(name, field, StringComparison.OrdinalIgnoreCase)) continue;
            int line = 1 + bytes.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n');
            if (section == "settings" && reader.CurrentDepth == 2) inSettings = line;
            if (section == "experiments" && reader.CurrentDepth == 3 && index == experiment) inExperiment = line;
        }
        return inExperiment ?? inSettings;
    }

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    private sealed class ProfileFile
    {
        public required string Description { get; init; }

        /// <summary>Any subset of the experiment's settings, under the names its JSON uses.</summary>
        public required JsonObject Settings { get; init; }

        /// <summary>Each experiment: settings applied over <see cref="Settings"/>.</summary>
        public required JsonObject[] Experiments { get; init; }
    }
}
