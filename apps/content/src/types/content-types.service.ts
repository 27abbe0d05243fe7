import { Injectable } from '@nestjs/common';
import { ContentType, ContentTypeList, CreateContentTypeRequest, FieldProblem, GetContentTypeRequest, UpdateContentTypeRequest } from '@omnibus/contracts';
import { RpcError } from '@omnibus/service-kit';
import { ContentTypeRow } from './content-types.schema';
import { ContentTypesRepository, toContentType } from './content-types.repository';
import { fieldDefinitionProblems, normalizeFieldDefinitions, shapeChanges } from './field-definitions';

function validationError(problems: FieldProblem[]): RpcError {
  return new RpcError('VALIDATION', problems.map((p) => `${p.field}: ${p.problem}`).join('; '), problems);
}

function isUniqueViolation(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } })?.cause ?? (err as { code?: string });
  return cause?.code === '23505';
}

/** Content types: defined as data, versioned, changed only in ways their entries still fit. */
@Injectable()
export class ContentTypesService {
  constructor(private readonly repository: ContentTypesRepository) {}

  async create(req: CreateContentTypeRequest): Promise<ContentType> {
    const problems = fieldDefinitionProblems(req.fields);
    if (problems.length) throw validationError(problems);
    const now = new Date();
    const row: ContentTypeRow = {
      code: req.code,
      name: req.name,
      defaultLocale: req.defaultLocale ?? null,
      fields: normalizeFieldDefinitions(req.fields),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.repository.db.transaction((tx) => this.repository.insert(tx, row));
    } catch (err) {
      if (isUniqueViolation(err)) throw new RpcError('CONFLICT', `content type "${req.code}" already exists`, [{ field: 'code', problem: 'is already used by another content type' }]);
      throw err;
    }
    return toContentType(row);
  }

  /**
   * Changes a type. Removing a field, or changing its kind or localization, is refused while any
   * entry holds a value for it (draft, published or scheduled): those values would stop fitting.
   * Other changes (new fields, required, limits) apply to each entry from its next save or publish.
   */
  async update(req: UpdateContentTypeRequest): Promise<ContentType> {
    const { changes } = req;
    if (changes.fields) {
      const problems = fieldDefinitionProblems(changes.fields, 'changes.fields');
      if (problems.length) throw validationError(problems);
    }
    return this.repository.db.transaction(async (tx) => {
      const current = await this.repository.findLocked(tx, req.code, 'update');
      if (!current) throw new RpcError('NOT_FOUND', `content type "${req.code}" does not exist`);
      if (current.version !== req.expectedVersion) {
        throw new RpcError('VERSION_CONFLICT', `content type "${req.code}" is at version ${current.version}, not ${req.expectedVersion}: read it again and retry`, [
          { field: 'version', problem: `is ${req.expectedVersion} but the type is at version ${current.version}` },
        ]);
      }
      const fields = changes.fields ? normalizeFieldDefinitions(changes.fields) : current.fields;
      const conflicts: FieldProblem[] = [];
      for (const change of shapeChanges(current.fields, fields)) {
        const using = await this.repository.entriesUsingField(tx, req.code, change.name);
        if (using > 0) {
          conflicts.push({
            field: change.field === 'fields' ? 'changes.fields' : `changes.${change.field}`,
            problem: `${change.what}, which ${using} ${using === 1 ? 'entry still uses' : 'entries still use'} (draft, published or scheduled): clear the field from them first`,
          });
        }
      }
      if (conflicts.length) throw new RpcError('CONFLICT', conflicts.map((p) => `${p.field}: ${p.problem}`).join('; '), conflicts);
      const next: ContentTypeRow = {
        ...current,
        name: changes.name ?? current.name,
        defaultLocale: changes.defaultLocale ?? current.defaultLocale,
        fields,
        version: current.version + 1,
        updatedAt: new Date(),
      };
      await this.repository.update(tx, next);
      await this.repository.insertVersion(tx, next);
      return toContentType(next);
    });
  }

  async get(req: GetContentTypeRequest): Promise<ContentType> {
    const row = await this.repository.find(this.repository.db, req.code);
    if (!row) throw new RpcError('NOT_FOUND', `content type "${req.code.slice(0, 64)}" does not exist`);
    return toContentType(row);
  }

  async list(): Promise<ContentTypeList> {
    return { items: (await this.repository.list(this.repository.db)).map(toContentType) };
  }
}
