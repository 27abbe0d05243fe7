import { Module } from '@nestjs/common';
import { ContentTypesController } from './content-types.controller';
import { ContentTypesRepository } from './content-types.repository';
import { ContentTypesService } from './content-types.service';
import { TypeDefinitions } from './type-definitions';

@Module({
  controllers: [ContentTypesController],
  providers: [ContentTypesService, ContentTypesRepository, TypeDefinitions],
  exports: [ContentTypesRepository, TypeDefinitions],
})
export class ContentTypesModule {}
