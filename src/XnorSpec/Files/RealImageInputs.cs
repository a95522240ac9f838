using System.Text.RegularExpressions;
using XnorSpec.Data;
using static TorchSharp.torch;

namespace XnorSpec.Files;

/// <summary>
/// `predict`'s inputs for a model trained on Fashion-MNIST: a greyscale image file of the dataset's size (or the
/// model's input size), or a <see cref="DatasetReference"/> such as test:123 into the dataset found by
/// <see cref="FashionMnistFiles.Locate"/>. Either becomes float32 [3, size, size] through the conversion the
/// training batches use (<see cref="LabelledImages.ModelInput"/>), so a file holding a dataset image's pixels
/// gives exactly that image's tensor. A split is read only when a reference first names it.
/// </summary>
public sealed partial class RealImageInputs(string? dataFolder, int modelSize, Device? device = null) : IDisposable
{
    private readonly Dictionary<string, LabelledImages> splits = [];
    private string? folder;

    /// <summary>The image and how to describe it: the argument, and for a reference the image's category and where it comes from.</summary>
    public (Tensor Image, string Description) Read(string argument)
    {
        using var scope = NewDisposeScope();
        if (DatasetReference.Of(argument) is { } reference)
        {
            var split = Split(reference.Split);
            if (reference.Index >= split.Count)
                throw new BadFileException(argument, $"no such image: the {split.Name} split of {DatasetName} has {split.Count:N0} images, {split.Name}:0 to {split.Name}:{split.Count - 1}",
                    $"Pass an index from 0 to {split.Count - 1}.");
            var category = split.CategoryNames[split.Categories[reference.Index]];
            return (split.Batch([reference.Index], modelSize, device)[0].MoveToOuterDisposeScope(), $"{argument} ({category}, {split.Name} split of {DatasetName})");
        }
        if (!File.Exists(argument) && ReferenceLike().IsMatch(argument))
            throw new BadFileException(argument, "no such file, nor a dataset reference (the splits are train and test)", "Write train:N or test:N, or the path of an image file.");
        var pixels = ImageFile.ReadGrey(argument, FashionMnistFiles.Side, modelSize);
        return (LabelledImages.ModelInput(pixels, modelSize, device)[0].MoveToOuterDisposeScope(), argument);
    }

    private string Folder => folder ??= FashionMnistFiles.Locate(dataFolder);

    private string DatasetName => Folder == FashionMnistFiles.FixtureFolder ? "the checked-in subset" : Folder;

    private LabelledImages Split(string name)
    {
        if (!splits.TryGetValue(name, out var split)) splits[name] = split = FashionMnistFiles.LoadSplit(Folder, name);
        return split;
    }

    public void Dispose()
    {
        foreach (var split in splits.Values) split.Dispose();
    }

    // A word, a colon and a number: meant as a reference, with a split that does not exist (valid:3, Test:3).
    [GeneratedRegex("^[A-Za-z]+:[0-9]+$")]
    private static partial Regex ReferenceLike();
}
