using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace OrthoProj.Tests.Architecture;

/// <summary>
/// Collects every type a type definition names, from its metadata and IL, so that the layering test
/// sees a dependency however it is spelled: base type, interfaces, generic constraints, fields,
/// method, property and event signatures, locals, catch clauses, every token in the method bodies
/// (calls, field accesses, type tokens, with their declaring types, signatures and generic
/// instantiations), method implementations and custom attributes with their arguments.
/// </summary>
/// <remarks>
/// Reflection alone would miss what only the IL names (a local, a call into another layer), hence the
/// walk over the raw metadata. Types decode to boxed handles (or, for an attribute's serialized type
/// names, reflection types), everything else to null. An entity the walk does not know throws rather
/// than being skipped, so that a gap fails the test instead of hiding a reference.
/// </remarks>
internal sealed class TypeReferenceScanner : ISignatureTypeProvider<object?, object?>, ICustomAttributeTypeProvider<object?>
{
    private readonly PEReader pe;
    private readonly MetadataReader md;
    private readonly Module module;
    private readonly HashSet<EntityHandle> decoded = [];
    private readonly List<(EntityHandle Type, string Where)> found = [];
    private string where = "";

    private TypeReferenceScanner(PEReader pe, MetadataReader md, Module module)
    {
        this.pe = pe;
        this.md = md;
        this.module = module;
    }

    /// <summary>
    /// The type definitions and references that <paramref name="type"/> names, each with where it names
    /// it; a fresh scan per type, so that a type specification shared with another type is reported for
    /// each.
    /// </summary>
    public static List<(EntityHandle Type, string Where)> Scan(PEReader pe, MetadataReader md, Module module, TypeDefinitionHandle type)
    {
        var scanner = new TypeReferenceScanner(pe, md, module);
        scanner.ScanType(type);
        return scanner.found;
    }

    private void ScanType(TypeDefinitionHandle handle)
    {
        TypeDefinition type = md.GetTypeDefinition(handle);
        where = "its declaration";
        Entity(type.BaseType);
        foreach (InterfaceImplementationHandle i in type.GetInterfaceImplementations())
        {
            InterfaceImplementation implementation = md.GetInterfaceImplementation(i);
            Entity(implementation.Interface);
            Attributes(implementation.GetCustomAttributes());
        }

        GenericParameters(type.GetGenericParameters());
        Attributes(type.GetCustomAttributes());
        foreach (MethodImplementationHandle i in type.GetMethodImplementations())
        {
            MethodImplementation implementation = md.GetMethodImplementation(i);
            Entity(implementation.MethodBody);
            Entity(implementation.MethodDeclaration);
        }

        foreach (FieldDefinitionHandle f in type.GetFields())
        {
            FieldDefinition field = md.GetFieldDefinition(f);
            where = "field " + md.GetString(field.Name);
            field.DecodeSignature(this, null);
            Attributes(field.GetCustomAttributes());
        }

        foreach (PropertyDefinitionHandle p in type.GetProperties())
        {
            PropertyDefinition property = md.GetPropertyDefinition(p);
            where = "property " + md.GetString(property.Name);
            property.DecodeSignature(this, null);
            Attributes(property.GetCustomAttributes());
        }

        foreach (EventDefinitionHandle e in type.GetEvents())
        {
            EventDefinition @event = md.GetEventDefinition(e);
            where = "event " + md.GetString(@event.Name);
            Entity(@event.Type);
            Attributes(@event.GetCustomAttributes());
        }

        foreach (MethodDefinitionHandle m in type.GetMethods())
        {
            MethodDefinition method = md.GetMethodDefinition(m);
            where = "method " + md.GetString(method.Name);
            method.DecodeSignature(this, null);
            GenericParameters(method.GetGenericParameters());
            Attributes(method.GetCustomAttributes());
            foreach (ParameterHandle p in method.GetParameters())
            {
                Attributes(md.GetParameter(p).GetCustomAttributes());
            }

            if (method.RelativeVirtualAddress != 0)
            {
                ScanBody(pe.GetMethodBody(method.RelativeVirtualAddress));
            }
        }
    }

    private void ScanBody(MethodBodyBlock body)
    {
        if (!body.LocalSignature.IsNil)
        {
            Entity(body.LocalSignature);
        }

        foreach (ExceptionRegion region in body.ExceptionRegions)
        {
            if (!region.CatchType.IsNil)
            {
                Entity(region.CatchType);
            }
        }

        foreach (EntityHandle token in MethodBodyTokens.Read(body))
        {
            Entity(token);
        }
    }

    private void Entity(EntityHandle handle)
    {
        if (handle.IsNil)
        {
            return;
        }

        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                found.Add((handle, where));
                break;
            case HandleKind.TypeReference:
                found.Add((handle, where));
                Entity(md.GetTypeReference((TypeReferenceHandle)handle).ResolutionScope is { Kind: HandleKind.TypeReference } scope ? scope : default);
                break;
            case HandleKind.TypeSpecification:
                if (decoded.Add(handle))
                {
                    md.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                }

                break;
            case HandleKind.MethodDefinition:
                MethodDefinition method = md.GetMethodDefinition((MethodDefinitionHandle)handle);
                Entity(method.GetDeclaringType());
                method.DecodeSignature(this, null);
                break;
            case HandleKind.FieldDefinition:
                FieldDefinition field = md.GetFieldDefinition((FieldDefinitionHandle)handle);
                Entity(field.GetDeclaringType());
                field.DecodeSignature(this, null);
                break;
            case HandleKind.MemberReference:
                MemberReference member = md.GetMemberReference((MemberReferenceHandle)handle);
                Entity(member.Parent);
                if (member.GetKind() == MemberReferenceKind.Method)
                {
                    member.DecodeMethodSignature(this, null);
                }
                else
                {
                    member.DecodeFieldSignature(this, null);
                }

                break;
            case HandleKind.MethodSpecification:
                MethodSpecification specification = md.GetMethodSpecification((MethodSpecificationHandle)handle);
                Entity(specification.Method);
                specification.DecodeSignature(this, null);
                break;
            case HandleKind.StandaloneSignature:
                StandaloneSignature signature = md.GetStandaloneSignature((StandaloneSignatureHandle)handle);
                if (signature.GetKind() == StandaloneSignatureKind.LocalVariables)
                {
                    signature.DecodeLocalSignature(this, null);
                }
                else
                {
                    signature.DecodeMethodSignature(this, null);
                }

                break;
            case HandleKind.ModuleReference or HandleKind.ModuleDefinition or HandleKind.AssemblyReference:
                break;
            default:
                throw new InvalidOperationException($"Unexpected metadata entity {handle.Kind} in {where}: extend the layering test.");
        }
    }

    private void GenericParameters(GenericParameterHandleCollection parameters)
    {
        foreach (GenericParameterHandle p in parameters)
        {
            GenericParameter parameter = md.GetGenericParameter(p);
            Attributes(parameter.GetCustomAttributes());
            foreach (GenericParameterConstraintHandle c in parameter.GetConstraints())
            {
                GenericParameterConstraint constraint = md.GetGenericParameterConstraint(c);
                Entity(constraint.Type);
                Attributes(constraint.GetCustomAttributes());
            }
        }
    }

    private void Attributes(CustomAttributeHandleCollection attributes)
    {
        foreach (CustomAttributeHandle a in attributes)
        {
            CustomAttribute attribute = md.GetCustomAttribute(a);
            Entity(attribute.Constructor);
            CustomAttributeValue<object?> value = attribute.DecodeValue(this);
            foreach (CustomAttributeTypedArgument<object?> argument in value.FixedArguments)
            {
                Argument(argument);
            }

            foreach (CustomAttributeNamedArgument<object?> argument in value.NamedArguments)
            {
                Argument(new CustomAttributeTypedArgument<object?>(argument.Type, argument.Value));
            }
        }
    }

    // typeof(X) in an attribute: the argument's value is X's serialized name.
    private void Argument(CustomAttributeTypedArgument<object?> argument)
    {
        if (argument.Value is ImmutableArray<CustomAttributeTypedArgument<object?>> elements)
        {
            foreach (CustomAttributeTypedArgument<object?> element in elements)
            {
                Argument(element);
            }
        }
        else if (IsSystemType(argument.Type) && argument.Value is string name)
        {
            GetTypeFromSerializedName(name);
        }
    }

    private Type Resolve(object? type) => type switch
    {
        Type t => t,
        EntityHandle h => module.ResolveType(MetadataTokens.GetToken(h)),
        _ => throw new InvalidOperationException($"An attribute argument's type in {where} is not a named type."),
    };

    public object? GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind)
    {
        Entity(handle);
        return (EntityHandle)handle;
    }

    public object? GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
    {
        Entity(handle);
        return (EntityHandle)handle;
    }

    public object? GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
    {
        Entity(handle);
        return null;
    }

    public object? GetTypeFromSerializedName(string name)
    {
        Type type = Type.GetType(name, throwOnError: false) ?? module.Assembly.GetType(name, throwOnError: true)!;
        if (type.Module == module)
        {
            found.Add((MetadataTokens.EntityHandle(type.MetadataToken), where + " (a type named in an attribute)"));
        }
        else if (ManagedLayers.LayerOfNamespace(type.Namespace ?? "") != Layer.None)
        {
            throw new InvalidOperationException($"{where} names {type} of another assembly in an attribute: extend the layering test.");
        }

        return type;
    }

    public bool IsSystemType(object? type) => type switch
    {
        Type t => t == typeof(Type),
        EntityHandle { Kind: HandleKind.TypeReference } h => md.GetTypeReference((TypeReferenceHandle)h) is var r
            && md.GetString(r.Namespace) == "System" && md.GetString(r.Name) == "Type",
        _ => false,
    };

    public PrimitiveTypeCode GetUnderlyingEnumType(object? type) => Type.GetTypeCode(Enum.GetUnderlyingType(Resolve(type))) switch
    {
        TypeCode.SByte => PrimitiveTypeCode.SByte,
        TypeCode.Byte => PrimitiveTypeCode.Byte,
        TypeCode.Int16 => PrimitiveTypeCode.Int16,
        TypeCode.UInt16 => PrimitiveTypeCode.UInt16,
        TypeCode.Int32 => PrimitiveTypeCode.Int32,
        TypeCode.UInt32 => PrimitiveTypeCode.UInt32,
        TypeCode.Int64 => PrimitiveTypeCode.Int64,
        TypeCode.UInt64 => PrimitiveTypeCode.UInt64,
        TypeCode code => throw new InvalidOperationException($"Enum of {code} in an attribute of {where}."),
    };

    public object? GetSystemType() => typeof(Type);

    public object? GetModifiedType(object? modifier, object? unmodifiedType, bool isRequired) => null;

    public object? GetPinnedType(object? elementType) => null;

    public object? GetArrayType(object? elementType, ArrayShape shape) => null;

    public object? GetByReferenceType(object? elementType) => null;

    public object? GetPointerType(object? elementType) => null;

    public object? GetSZArrayType(object? elementType) => null;

    public object? GetFunctionPointerType(MethodSignature<object?> signature) => null;

    public object? GetGenericInstantiation(object? genericType, ImmutableArray<object?> typeArguments) => null;

    public object? GetGenericMethodParameter(object? genericContext, int index) => null;

    public object? GetGenericTypeParameter(object? genericContext, int index) => null;

    public object? GetPrimitiveType(PrimitiveTypeCode typeCode) => null;
}
