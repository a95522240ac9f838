using System.Text;
using TorchSharp;
using System.Text.Json;
using XnorSpec.Files;
using XnorSpec.Model;
using XnorSpec.Runtime;

namespace XnorSpec.Training;

/// <summary>
/// A trained model on disk: one header line naming the format, one JSON line with the experiment
/// that trained it (head, encoder, image size, ...), then TorchSharp's state dictionary of every
/// parameter and BatchNorm buffer. The header makes the file self-describing, so `predict` needs
/// nothing but the file.
/// </summary>
public static class ModelFile
{
    private const string Magic = "XNORSPEC-MODEL 1";

    public static void Save(PairModel model, Experiment experiment, string path) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(JsonSerializer.Serialize(experiment, Json.Options));
            model.save(writer);
        });

    /// <summary>True when the file starts with this format's header (a length-prefixed string), whatever follows.</summary>
    public static bool HasHeader(string path)
    {
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            return reader.ReadString() == Magic;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    public static (PairModel Model, Experiment Experiment) Load(string path, TorchSharp.torch.Device? device = null)
    {
        NativeBackend.EnsureLoaded();
        FileStream stream;
        try { stream = File.OpenRead(path); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new BadFileException(path, "no such model file", Remedy.TrainModel); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new BadFileException(path, $"cannot be read ({e.Message})", "Check the file's permissions."); }

        using (stream)
        using (var reader = new BinaryReader(stream, Encoding.UTF8))
        {
            Experiment experiment;
            try
            {
                if (reader.ReadString() != Magic) throw new InvalidDataException();
                experiment = JsonSerializer.Deserialize<Experiment>(reader.ReadString(), Json.Options)!.Validated();
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException or IOException or JsonException or ArgumentException)
            {
                throw TorchScriptModel.LooksLikeTorchScript(path)
                    ? new BadFileException(path, "a TorchScript module, not an XnorSpec model file; its architecture is its own, so it cannot become XnorSpec's model", Remedy.CompareTorchScript)
                    : new BadFileException(path, "not an XnorSpec model file", Remedy.GiveModelFile);
            }

            var model = new PairModel(experiment.Head, experiment.Encoder);
            try
            {
                model.load(reader, strict: true);
                if (stream.Position != stream.Length) throw new InvalidDataException("trailing bytes");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                model.Dispose();
                throw new BadFileException(path, $"the model's weights are truncated or damaged ({e.Message})", "Save the model again.");
            }
            if (device is not null) model.to(device);
            model.eval();
            return (model, experiment);
        }
    }
}
