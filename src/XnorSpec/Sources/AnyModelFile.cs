using XnorSpec.Runtime;
using XnorSpec.Files;
using XnorSpec.Data;
using XnorSpec.Model;
using XnorSpec.Training;

namespace XnorSpec.Sources;

public enum ModelFormat
{
    /// <summary>XnorSpec's own .model file: header, experiment, TorchSharp weights.</summary>
    XnorSpec,
    /// <summary>A PyTorch state_dict written by torch.save (or `xnor-spec export`) under the question's key names.</summary>
    PyTorch,
}

/// <summary>
/// What a PyTorch state_dict does not say and XnorSpec needs: how the model fuses q and t, its encoders, the
/// data it was made for and the image size to show it. Null encoder: the one the weights fit. Null data: the
/// question's solid colours. Null image size: the data's own (<see cref="PairSource.DefaultImageSize"/>) for a
/// PyTorch file, the recorded one for an XnorSpec file.
/// </summary>
public sealed record PyTorchReading(FusionKind? Head = null, EncoderKind? Encoder = null, int? ImageSize = null, PairData? Data = null);

/// <summary>
/// Opens either kind of model file, told apart by its first bytes, so every command accepts both, and
/// hands back the pair source of the data the model was made for (recorded in an XnorSpec file, told for a PyTorch one).
/// </summary>
public static class AnyModelFile
{
    public static (PairModel Model, Experiment Experiment, ModelFormat Format) Load(string path, PyTorchReading reading, TorchSharp.torch.Device? device = null)
    {
        // A missing file goes to ModelFile.Load, which names it.
        bool pytorch = PyTorchFile.LooksLikePyTorch(path);
        if (!pytorch && File.Exists(path) && !ModelFile.HasHeader(path))
        {
            PyTorchFile.RefuseLegacy(path);
            throw new BadFileException(path, "neither an XnorSpec model file nor a PyTorch file (torch.save's zip archive)",
                Remedy.GiveModelFile);
        }
        if (!pytorch)
        {
            var (model, experiment) = ModelFile.Load(path, device);
            if (reading.Head is { } head && head != experiment.Head || reading.Encoder is { } encoder && encoder != experiment.Encoder
                || reading.Data is { } data && data != experiment.Data)
            {
                model.Dispose();
                throw new RefusedSettingException($"{path} is an XnorSpec model file that records head {experiment.Head}, encoder {experiment.Encoder} and data {experiment.Data}",
                    Remedy.LeaveOutPyTorchSettings);
            }
            if (reading.ImageSize is { } size) experiment = (experiment with { ImageSize = size }).Validated();
            return (model, experiment, ModelFormat.XnorSpec);
        }

        var fusion = reading.Head ?? throw new RefusedSettingException(
            $"{path} is a PyTorch state_dict, which does not say how its model fuses the two encoders' features", Remedy.NameHead);
        var pairs = reading.Data ?? PairData.Colours;
        using var source = PairSources.For(pairs);
        // Checked before the weights are read: a bad size costs nothing.
        var imageSize = reading.ImageSize ?? source.DefaultImageSize;
        var told = new Experiment { Head = fusion, Data = pairs, Labels = source.DefaultLabels, ImageSize = imageSize };
        if (reading.Encoder is { } known) (told with { Encoder = known }).Validated();
        var loaded = PyTorchFile.Load(path, fusion, reading.Encoder, device);
        try { return (loaded, (told with { Encoder = loaded.Encoder }).Validated(), ModelFormat.PyTorch); }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }
}
