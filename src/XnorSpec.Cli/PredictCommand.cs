using System.CommandLine;
using XnorSpec.Data;
using XnorSpec.Experiments;
using XnorSpec.Files;
using XnorSpec.Runtime;
using XnorSpec.Sources;
using static TorchSharp.torch;

namespace XnorSpec.Cli;

/// <summary>
/// `predict`: a saved model's probability for two images: the same colour for a model trained on solid
/// colours, the same category for one trained on Fashion-MNIST, whose images may also be named in the dataset.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model saved by `reproduce` (models/*.model), `train --save` or `import`, or a PyTorch state_dict (with --head).", Required = true };
        var reading = Options.PyTorchReading();
        var script = Options.TorchScriptReading();
        var query = new Argument<string>("IMAGE1")
        {
            Description = "Query image. Colour models: PNG or JPEG, RGB, square, resized to the model's input size. "
                + "Fashion-MNIST models: a greyscale PNG or JPEG of 28x28 (or the model's input size), or a dataset reference, test:N or train:N.",
        };
        var template = new Argument<string>("IMAGE2") { Description = "Template image, same rules." };
        var anyImage = new Option<bool>("--any-image") { Description = "Colour models: accept images that are not solid black or white (the model never saw such images)." };
        var data = new Option<string?>("--data")
        {
            Description = $"For dataset references: the folder holding Fashion-MNIST's four files, or `{FashionMnistFiles.FixtureWord}` for the checked-in subset (fixtures/fashion-mnist). "
                + $"Default: ${FashionMnistFiles.EnvironmentVariable}, else {FashionMnistFiles.PackageFolder}.",
        };
        var device = Options.Device();
        var command = new Command("predict", """
            Print the probability that two images have the same colour (a model trained on solid colours) or show
            the same category (a model trained on Fashion-MNIST), from a saved model (eval mode). A Fashion-MNIST
            model takes greyscale images of 28x28 (or of its input size), or dataset references: test:N or train:N,
            image N of that split of the --data folder (`fixture`: the checked-in subset).

            Examples:
              xnor-spec predict --model results/seed/models/product-samecolour.model fixtures/images/black.png fixtures/images/white.png
              xnor-spec predict --model my_template_evaluator.pt --head Product fixtures/images/black.png fixtures/images/black.png
              xnor-spec predict --model fashion.model fixtures/images/fashion/sneaker-test-0009.png fixtures/images/fashion/sneaker-test-0012.png
              xnor-spec predict --model fashion.model --data fixture test:9 fixtures/images/fashion/trouser-test-0002.png
            """)
        { model, query, template, anyImage, data, device };
        foreach (var option in reading.All.Concat(script.All)) command.Options.Add(option);
        command.SetAction(parsed =>
        {
            var chosen = Devices.Resolve(parsed.GetValue(device));
            var arguments = new[] { parsed.GetValue(query)!, parsed.GetValue(template)! };
            using var scope = NewDisposeScope();
            var (pairModel, experiment, _) = AnyModelFile.LoadComparison(parsed.GetValue(model)!, reading.Read(parsed), script.Read(parsed), chosen);
            using var ___ = pairModel;
            var folder = parsed.GetValue(data);
            using var source = Options.SourceOfModel(experiment, folder);
            var inputs = arguments.Select(a => source.ReadInput(a, experiment, chosen, parsed.GetValue(anyImage))).ToArray();
            using var __ = no_grad();
            pairModel.eval();
            var probability = pairModel.call(inputs[0].Image, inputs[1].Image).item<float>();
            Console.WriteLine(probability.ToString("F6", System.Globalization.CultureInfo.InvariantCulture));
            Console.Error.WriteLine($"{source.Question(experiment.Labels)} for {inputs[0].Description} and {inputs[1].Description}, model {experiment.Name} at {experiment.ImageSize}px.");
            return ExitCodes.Success;
        });
        return command;
    }
}
