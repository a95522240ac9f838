using TorchSharp;
using static TorchSharp.torch;

namespace XnorSpec.Model;

/// <summary>
/// The question's TemplateEvaluator: a query encoder and a template encoder, each with its own
/// parameters, whose outputs a fusion head turns into the probability that the two images match.
/// </summary>
public sealed class PairModel : ComparisonModel
{
    private readonly nn.Module<Tensor, Tensor> queryEncoder;
    private readonly nn.Module<Tensor, Tensor> templateEncoder;
    private readonly FusionHead head;

    public PairModel(FusionKind fusion, EncoderKind encoder = EncoderKind.ResNet18)
        : this(fusion, encoder, Encoders.Create(encoder), Encoders.Create(encoder)) { }

    private PairModel(FusionKind fusion, EncoderKind encoder, nn.Module<Tensor, Tensor> query, nn.Module<Tensor, Tensor> template)
        : base(nameof(PairModel))
    {
        Encoder = encoder;
        queryEncoder = query;
        templateEncoder = template;
        head = FusionHead.Create(fusion, Encoders.FeatureSize(encoder));
        RegisterComponents();
    }

    /// <summary>
    /// A new model with a fresh head over THIS model's encoders (shared, not copied). This is what the
    /// question's <c>def __init__(self, q_encoder=resnet18(), ...)</c> does by accident in a notebook:
    /// the defaults are built once, so every later model starts from encoders earlier runs trained.
    /// </summary>
    public PairModel WithNewHead(FusionKind fusion)
    {
        var device = head.parameters().First().device;
        var model = new PairModel(fusion, Encoder, queryEncoder, templateEncoder);
        model.to(device);
        return model;
    }

    public EncoderKind Encoder { get; }
    public FusionKind Fusion => head.Kind;
    public nn.Module<Tensor, Tensor> QueryEncoder => queryEncoder;
    public nn.Module<Tensor, Tensor> TemplateEncoder => templateEncoder;
    public FusionHead Head => head;

    /// <summary>"Concat head", "Product head": how the model fuses, the words of `check`'s verdict.</summary>
    public override string Description => $"{Fusion} head";

    /// <summary>
    /// A model of the same head and encoders with copies of this one's parameters and buffers, on its device, in its
    /// mode. Building it draws initial weights from the global generator, which the copy then overwrites.
    /// </summary>
    public override ComparisonModel Copy() => WithThisModelsWeights(new PairModel(Fusion, Encoder));

    /// <summary>
    /// The head's output before the sigmoid: [B] for [B,3,H,W] inputs, [1] for a single pair [3,H,W]. <see cref="ComparisonModel.forward"/>
    /// is its sigmoid, the probability that query and template have the same colour.
    /// </summary>
    public override Tensor Logit(Tensor query, Tensor template)
    {
        using var scope = NewDisposeScope();
        CheckInputs(query, template);
        if (query.dim() == 3) query = query.unsqueeze(0);
        if (template.dim() == 3) template = template.unsqueeze(0);
        return LogitOfCheckedInputs(query, template).MoveToOuterDisposeScope();
    }

    /// <summary>Image batches [B, 3, H, W] (or single images [3, H, W]) of float32 in the model's device, large enough for its encoder, finite, B alike.</summary>
    public override void CheckInputs(Tensor query, Tensor template)
    {
        var device = ParameterDevice;
        InputChecks.RequireImageBatch(query, nameof(query), Encoders.MinimumImageSize(Encoder), device);
        InputChecks.RequireImageBatch(template, nameof(template), Encoders.MinimumImageSize(Encoder), device);
        long queries = query.dim() == 3 ? 1 : query.shape[0], templates = template.dim() == 3 ? 1 : template.shape[0];
        if (queries != templates)
            throw new ArgumentException(
                $"query has batch size {queries} but template has {templates}; pass the same number of query and template images.",
                nameof(template));
    }

    // The encoders and the head, nothing else: the tensors belong to the caller's dispose scope.
    public override Tensor LogitOfCheckedInputs(Tensor query, Tensor template) =>
        head.call(queryEncoder.call(query), templateEncoder.call(template));
}
